package io.grafanaha.gateway.reload;

import io.grafanaha.gateway.config.ConfigDiff;
import io.grafanaha.gateway.config.GatewayConfig;

/**
 * Applies one part of a reload to the running gateway: routing and health, the proxy, the sync. Each is called
 * with the difference, the configuration to run from now on ({@link ConfigDiff#effective()}) and why (the
 * reason of the routing events it causes), in the order the gateway registered them, off every event loop.
 */
@FunctionalInterface
public interface LiveChange {
    void apply(ConfigDiff diff, GatewayConfig effective, String reason);
}
