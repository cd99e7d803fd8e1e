package io.grafanaha.health.check;

import java.time.Duration;
import java.util.Objects;

/**
 * How a backend is checked.
 *
 * <ul>
 *   <li>{@code interval}: wait between checks while the backend is steadily up;</li>
 *   <li>{@code fastInterval}: wait while the state is in doubt (unknown, up with a recent failure,
 *       down with a recent pass), like HAProxy's {@code fastinter};</li>
 *   <li>{@code downInterval}: wait while the backend is steadily down (HAProxy's {@code downinter});</li>
 *   <li>{@code jitter}: each wait is spread by up to this fraction either way (0.05 = ±5%), so checks of
 *       several gateways do not beat in step;</li>
 *   <li>{@code rise}/{@code fall}: consecutive passes to come back up / failures to go down. The very
 *       first pass of an unknown backend is enough (there is nothing to protect yet);</li>
 *   <li>{@code passiveFall}: consecutive connection-level failures seen by the proxy that mark an up
 *       backend down without waiting for the checks.</li>
 * </ul>
 */
public record CheckPolicy(String path, Duration interval, Duration timeout, int rise, int fall,
                          Duration fastInterval, Duration downInterval, double jitter, int passiveFall) {

    /** Envoy's {@code consecutive_gateway_failure} default. */
    public static final int DEFAULT_PASSIVE_FALL = 5;
    /** Inside HAProxy's suggested 2–5% {@code spread-checks}. */
    public static final double DEFAULT_JITTER = 0.05;
    private static final Duration MIN_FAST_INTERVAL = Duration.ofMillis(100);

    public CheckPolicy {
        Objects.requireNonNull(path, "path");
        requirePositive(interval, "interval");
        requirePositive(timeout, "timeout");
        requirePositive(fastInterval, "fastInterval");
        requirePositive(downInterval, "downInterval");
        if (rise < 1 || fall < 1 || passiveFall < 1) {
            throw new IllegalArgumentException("rise, fall and passiveFall must be at least 1");
        }
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be in [0, 1): " + jitter);
        }
    }

    /**
     * The five settings of the {@code health:} configuration section, with the others derived:
     * a fast interval of a quarter of {@code interval} (at least 100 ms), a down interval equal to
     * {@code interval}, ±5% jitter, and a passive fall of 5.
     */
    public static CheckPolicy of(String path, Duration interval, Duration timeout, int rise, int fall) {
        Duration fast = interval.dividedBy(4);
        if (fast.compareTo(MIN_FAST_INTERVAL) < 0) {
            fast = interval.compareTo(MIN_FAST_INTERVAL) < 0 ? interval : MIN_FAST_INTERVAL;
        }
        return new CheckPolicy(path, interval, timeout, rise, fall, fast, interval, DEFAULT_JITTER,
                DEFAULT_PASSIVE_FALL);
    }

    /** A copy with a different jitter (0 makes scheduling exact, which tests like). */
    public CheckPolicy withJitter(double newJitter) {
        return new CheckPolicy(path, interval, timeout, rise, fall, fastInterval, downInterval, newJitter,
                passiveFall);
    }

    private static void requirePositive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
    }
}
