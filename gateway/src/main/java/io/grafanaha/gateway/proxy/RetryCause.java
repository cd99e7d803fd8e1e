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
    BACKEND_DOWN("backend-down", false);

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
