package io.grafanaha.gateway.proxy;

/**
 * Why an attempt failed, as far as retrying is concerned. Connect failures happen before a byte of the
 * request left the gateway, so any method may go elsewhere; the others mean the backend may have acted
 * on the request, so only safe methods (GET, HEAD, OPTIONS) with a fully buffered body are sent again.
 * The label is the {@code cause} tag of {@code gateway_retries_total}.
 */
enum RetryCause {
    /** Refused, or any other failure to establish the connection (nothing was sent). */
    CONNECT_REFUSED("connect-refused", true),
    CONNECT_TIMEOUT("connect-timeout", true),
    RESET("reset", false),
    RESPONSE_TIMEOUT("response-timeout", false),
    /** A safe request not answered within {@code routing.try-timeout}: tried elsewhere, the backend not blamed. */
    TRY_TIMEOUT("try-timeout", false),
    STATUS_502("status-502", false),
    STATUS_503("status-503", false),
    STATUS_504("status-504", false),
    /** Still waiting for response headers when health checks marked the backend down (a hang). */
    BACKEND_DOWN("backend-down", false),
    /**
     * Not a failure but how a retry is counted: a conditional save whose backend died unanswered ({@link #RESET} or
     * {@link #BACKEND_DOWN}), replayed on the next backend, so operators see replays apart from ordinary retries.
     */
    SAVE_REPLAY("save-replay", false);

    private final String label;
    private final boolean beforeSend;

    RetryCause(String label, boolean beforeSend) {
        this.label = label;
        this.beforeSend = beforeSend;
    }

    String label() {
        return label;
    }

    /** True when the request never reached the backend. */
    boolean beforeSend() {
        return beforeSend;
    }

    /**
     * True when the backend answered nothing and is gone: the connection reset or closed before a response head, or
     * the health checks marked it down while the request waited. A backend that answered anything, or is only slow
     * (a timeout), may have acted on the request and still be acting on it.
     */
    boolean unanswered() {
        return this == RESET || this == BACKEND_DOWN;
    }

    /** How a retry after this cause is counted: {@link #SAVE_REPLAY} when it re-sends a conditional save. */
    RetryCause counted(boolean conditional) {
        return conditional && !beforeSend ? SAVE_REPLAY : this;
    }

    /**
     * Whether this retry must fit the {@link RetryBudget}. Moving requests off a backend just marked
     * down happens once per request in flight there, not once per failure, so it cannot become the
     * retry storm the budget is for; refusing it would leave those requests hanging until the timeout.
     */
    boolean drawsOnBudget() {
        return this != BACKEND_DOWN;
    }

    /** The cause for a backend's own gateway status, or null for any other status. */
    static RetryCause ofStatus(int status) {
        return switch (status) {
            case 502 -> STATUS_502;
            case 503 -> STATUS_503;
            case 504 -> STATUS_504;
            default -> null;
        };
    }
}
