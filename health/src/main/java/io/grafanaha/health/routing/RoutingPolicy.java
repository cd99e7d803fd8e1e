package io.grafanaha.health.routing;

import io.grafanaha.health.RoutingMode;
import java.util.Objects;

/**
 * How the routing table chooses. {@code lastResort}: when no backend is routable, keep sending
 * traffic to the last one known good instead of nothing (a tiny-cluster panic mode).
 */
public record RoutingPolicy(RoutingMode mode, FailbackPolicy failback, boolean lastResort) {
    public RoutingPolicy {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(failback, "failback");
    }
}
