package io.grafanaha.gateway.app;

import io.grafanaha.gateway.proxy.Backends;
import io.grafanaha.gateway.proxy.ProxyServer;
import io.grafanaha.gateway.reload.LiveChange;
import io.grafanaha.health.HealthService;
import io.grafanaha.sync.SyncService;
import java.util.Optional;

/** What a reload applies, one part each; {@code ConfigDiff} decides which keys are live at all. */
final class LiveChanges {
    private LiveChanges() {}

    /**
     * Backends, checks, mode and failback: the health service carries health, drains and who serves over, so
     * traffic moves only where the file says so. A removed backend's tunnels are closed by the gateway's routing
     * listener ({@code RoutingEvent.Removed}); its requests in flight finish.
     */
    static LiveChange routing(HealthService health) {
        return (diff, effective, reason) -> {
            if (diff.routingChanged()) {
                health.reconfigure(Backends.of(effective), Gateway.checkPolicy(effective.health()),
                        Gateway.routingPolicy(effective), reason);
            }
        };
    }

    /** Timeouts, retries, trusted proxies and rate limits for requests from now on; the TLS files read again. */
    static LiveChange proxy(ProxyServer proxy) {
        return (diff, effective, reason) -> {
            proxy.reconfigure(effective);
            proxy.reloadTls();
        };
    }

    /** {@code sync.interval}: the next wait between passes is the new one. */
    static LiveChange sync(Optional<SyncService> sync) {
        return (diff, effective, reason) -> {
            if (diff.sections().contains("sync.interval")) {
                sync.ifPresent(s -> effective.sync().ifPresent(c -> s.interval(c.interval())));
            }
        };
    }
}
