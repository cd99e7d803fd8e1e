package io.grafanaha.health.check;

/**
 * A failure the proxy saw while talking to a backend. Connection-level failures count towards
 * passive ejection and trigger an immediate active check. Statuses never count: Grafana answers 502
 * or 504 itself when one data source is down, and 500 for one broken URI, and neither must take a
 * healthy backend out (the HAProxy {@code observe layer7} lesson). A gateway status still triggers
 * an immediate check, which asks the backend itself.
 */
public enum FailureKind {
    CONNECT_REFUSED(true, true),
    CONNECT_TIMEOUT(true, true),
    RESET(true, true),
    /** No response head within the proxy's response timeout. */
    RESPONSE_TIMEOUT(true, true),
    /** 502, 503 or 504 from the backend: checked at once, not counted. */
    GATEWAY_STATUS(false, true),
    /** 500 and other application errors: neither counted nor checked. */
    SERVER_ERROR(false, false);

    private final boolean countsTowardsEjection;
    private final boolean triggersCheck;

    FailureKind(boolean countsTowardsEjection, boolean triggersCheck) {
        this.countsTowardsEjection = countsTowardsEjection;
        this.triggersCheck = triggersCheck;
    }

    /** Whether this failure suggests the backend, not one request, is broken. */
    public boolean countsTowardsEjection() {
        return countsTowardsEjection;
    }

    /** Whether this failure is worth an active check now rather than at the next interval. */
    public boolean triggersCheck() {
        return triggersCheck;
    }
}
