package io.grafanaha.gateway.config;

/**
 * The most deletions one sync pass may make: a share of the managed dashboards ({@code 10%}) or a count
 * ({@code 25}). A pass over the limit is refused, because a bad commit or a wrong path must not empty
 * every Grafana at once.
 */
public record DeleteLimit(double value, boolean percent) {
    /** Whether deleting {@code deletes} of {@code managed} dashboards stays within the limit. */
    public boolean allows(int deletes, int managed) {
        if (deletes == 0) {
            return true;
        }
        return percent ? deletes <= Math.floor(managed * value / 100.0) : deletes <= value;
    }

    @Override
    public String toString() {
        return percent ? trim(value) + "%" : trim(value);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
