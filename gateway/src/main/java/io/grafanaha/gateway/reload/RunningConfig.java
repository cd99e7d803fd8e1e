package io.grafanaha.gateway.reload;

import io.grafanaha.gateway.config.ConfigDiff;
import io.grafanaha.gateway.config.GatewayConfig;
import java.util.List;

/**
 * The configuration the gateway runs now, and the one way to change it: the difference to a new one
 * ({@link ConfigDiff}) handed to every {@link LiveChange}. A reload of the file and a change of the backends DNS
 * names both come through here, one at a time.
 */
public final class RunningConfig {
    private final List<LiveChange> changes;
    private GatewayConfig running;

    public RunningConfig(GatewayConfig initial, List<LiveChange> changes) {
        this.running = initial;
        this.changes = List.copyOf(changes);
    }

    /** Applies what can change live from {@code next}; {@code reason} goes into the events it causes. */
    public synchronized ConfigDiff apply(GatewayConfig next, String reason) {
        ConfigDiff diff = ConfigDiff.between(running, next);
        for (LiveChange change : changes) {
            change.apply(diff, diff.effective(), reason);
        }
        running = diff.effective();
        return diff;
    }

    public synchronized GatewayConfig get() {
        return running;
    }
}
