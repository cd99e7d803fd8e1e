package io.grafanaha.gateway.proxy;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.health.Backend;
import java.util.List;

/** The routing view of the configured backends: the data plane needs names and addresses, never tokens. */
public final class Backends {
    private Backends() {}

    public static List<Backend> of(GatewayConfig config) {
        return config.backends().stream().map(b -> new Backend(b.name(), b.url(), b.role())).toList();
    }
}
