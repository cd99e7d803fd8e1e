package io.grafanaha.sync.plan;

/**
 * {@code sync.max-deletes}: the most dashboard deletions one plan may hold, as a share of the backend's managed
 * dashboards ({@code 10%}) or a count ({@code 25}). A bad commit or a wrong path must not empty every Grafana.
 */
public record DeleteLimit(double value, boolean percent) {
    public DeleteLimit {
        if (value < 0 || Double.isNaN(value) || (percent && value > 100)) {
            throw new IllegalArgumentException("sync.max-deletes must be a count >= 0 or a share 0%..100%, got "
                    + value + (percent ? "%" : ""));
        }
    }

    public static DeleteLimit percent(double share) {
        return new DeleteLimit(share, true);
    }

    public static DeleteLimit count(int count) {
        return new DeleteLimit(count, false);
    }

    /** No limit; for tests and explicit operator overrides. */
    public static DeleteLimit unlimited() {
        return new DeleteLimit(100, true);
    }

    /** Parses {@code 10%} or {@code 25}. */
    public static DeleteLimit parse(String text) {
        String t = text.trim();
        try {
            return t.endsWith("%") ? percent(Double.parseDouble(t.substring(0, t.length() - 1).trim()))
                    : count(Integer.parseInt(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sync.max-deletes must look like 10% or 25, got '" + text + "'");
        }
    }

    /**
     * Whether deleting {@code deletes} of {@code managed} dashboards stays within the limit. A share always
     * allows one deletion: removing a single file must sync even when the tree is small (10% of 5 is 0), and
     * one dashboard is not the mass deletion this guard is for. A count of 0 forbids deletions.
     */
    public boolean allows(int deletes, int managed) {
        if (deletes == 0) {
            return true;
        }
        return percent ? deletes <= Math.max(1, Math.floor(managed * value / 100.0)) : deletes <= value;
    }

    @Override
    public String toString() {
        String v = value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
        return percent ? v + "%" : v;
    }
}
