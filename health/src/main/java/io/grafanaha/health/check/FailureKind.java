package io.grafanaha.health.check;

/**
 * A failure the proxy saw while talking to a backend. Only connection-level failures and gateway
 * statuses count towards ejection; an application error does not, because one URI answering 500
 * must not take a healthy backend out (the HAProxy {@code observe layer7} lesson).
 */
public enum FailureKind {
    CONNECT_REFUSED(true),
    CONNECT_TIMEOUT(true),
    RESET(true),
    RESPONSE_TIMEOUT(true),
    /** 502, 503 or 504 from the backend itself. */
    GATEWAY_STATUS(true),
    /** 500 and other application errors: recorded, never counted towards ejection. */
    SERVER_ERROR(false);

    private final boolean countsTowardsEjection;

    FailureKind(boolean countsTowardsEjection) {
        this.countsTowardsEjection = countsTowardsEjection;
    }

    /** Whether this failure suggests the backend, not one request, is broken. */
    public boolean countsTowardsEjection() {
        return countsTowardsEjection;
    }
}
