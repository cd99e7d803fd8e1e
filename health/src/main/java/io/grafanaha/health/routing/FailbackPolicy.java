package io.grafanaha.health.routing;

import java.time.Duration;
import java.util.Objects;

/**
 * When the primary gets traffic back after a failover: {@link Mode#AUTO} once it has been up and
 * gate-open continuously for {@code hold}; {@link Mode#MANUAL} only on the admin failback call.
 */
public record FailbackPolicy(Mode mode, Duration hold) {

    public enum Mode { AUTO, MANUAL }

    public FailbackPolicy {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(hold, "hold");
        if (hold.isNegative()) {
            throw new IllegalArgumentException("hold must not be negative: " + hold);
        }
    }
}
