package io.grafanaha.health.routing;

import java.util.Locale;

/** Why the active backend changed; {@link #label()} is the low-cardinality metric label. */
public enum FailoverCause {
    /** The active backend failed its checks or was ejected by the proxy. */
    BACKEND_DOWN,
    /** The active backend was drained by an operator. */
    DRAINED,
    /** An operator called failover or failback. */
    ADMIN,
    /** The backend an operator forced failed, so normal rules resumed. */
    FORCED_TARGET_DOWN,
    /** The primary passed rise, the gate opened, and the hold elapsed. */
    PRIMARY_RECOVERED;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
