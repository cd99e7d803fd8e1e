package io.grafanaha.health.routing;

import io.grafanaha.health.Backend;
import io.grafanaha.health.check.HealthState;

/**
 * One backend as the routing table sees it. {@link #state()} is the contract value of
 * {@code /api/status}: {@code draining} when drained, {@code up} when the checks say so, otherwise
 * {@code down} (which includes {@link HealthState#UNKNOWN}; {@code health} keeps the difference).
 */
public record BackendRouting(Backend backend, HealthState health, boolean drained, boolean routable,
                             boolean active) {

    public String state() {
        if (drained) {
            return "draining";
        }
        return health == HealthState.UP ? "up" : "down";
    }
}
