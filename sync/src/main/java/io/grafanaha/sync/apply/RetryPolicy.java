package io.grafanaha.sync.apply;

import io.grafanaha.sync.grafana.GrafanaApiException;
import java.time.Duration;

/**
 * How often one Grafana call is tried: up to {@code maxAttempts}, waiting {@code initialBackoff} after the first
 * failure and doubling up to {@code maxBackoff}. Only transient failures are retried: HTTP 5xx and calls that got no
 * response (connection refused, reset, timeout). A 4xx is the request's fault and is never retried.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("backoff must satisfy 0 <= initial <= max, got " + initialBackoff
                    + " and " + maxBackoff);
        }
    }

    /** Three attempts, 200 ms then 400 ms apart. */
    public static RetryPolicy defaults() {
        return new RetryPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(2));
    }

    /** One attempt only. */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
    }

    /** Whether a failed call may succeed when tried again. */
    public static boolean isTransient(GrafanaApiException e) {
        return e.status() == 0 || e.status() >= 500;
    }

    /** The wait after failed attempt {@code attempt} (1-based). */
    public Duration backoff(int attempt) {
        long millis = initialBackoff.toMillis();
        for (int i = 1; i < attempt && millis < maxBackoff.toMillis(); i++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }
}
