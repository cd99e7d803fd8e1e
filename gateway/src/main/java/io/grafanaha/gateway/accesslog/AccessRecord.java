package io.grafanaha.gateway.accesslog;

/**
 * What one access-log line says about one request, as gathered on the event loop: raw values only, so the
 * costly part (masking the query, escaping, formatting the time) happens on the log's own thread.
 *
 * @param startMillis  wall-clock time the request head arrived
 * @param client       the client address the gateway believes (the {@code X-Real-IP} it sends)
 * @param user         who is signed in, when the gateway knows it; null otherwise
 * @param target       the request target as the client sent it (its query still unmasked)
 * @param bytesIn      request body bytes read from the client
 * @param bytesOut     response body bytes written to the client
 * @param durationNanos from the request head to the end of the answer (for a WebSocket, to the tunnel's close)
 * @param backend      the backend that answered last, {@code gateway} for the gateway's own routes, {@code none}
 *                     when the gateway refused the request itself
 * @param attempts     tries at backends (0 when none was tried)
 * @param retryCause   why the last retry happened; null without one
 * @param traceparent  the W3C {@code traceparent} sent on (its trace id is logged); null if none
 */
public record AccessRecord(
        long startMillis,
        String client,
        String user,
        String method,
        String target,
        String protocol,
        int status,
        long bytesIn,
        long bytesOut,
        long durationNanos,
        String backend,
        int attempts,
        String retryCause,
        String requestId,
        String traceparent,
        String dashboardUid,
        String panelId,
        String userAgent,
        String referer,
        boolean websocket) implements AccessLine {

    /** A record is its own line. */
    @Override
    public AccessRecord record() {
        return this;
    }

    /** The trace id of {@link #traceparent} ({@code 00-<32 hex>-<16 hex>-<2 hex>}), or null when it has none. */
    public String traceId() {
        if (traceparent == null || traceparent.length() < 55 || traceparent.charAt(2) != '-' || traceparent.charAt(35) != '-') {
            return null;
        }
        return traceparent.substring(3, 35);
    }
}
