package io.grafanaha.gateway.proxy;

import io.grafanaha.health.Backend;
import java.util.Optional;

/**
 * Sees the Grafana writes that pass through the proxy (dashboard saves and deletes, folder changes), so
 * the sync can write them back to Git and guard against saving over a newer version.
 *
 * <p>Both callbacks run on the client connection's event loop: they must return quickly and never
 * block (hand real work to another executor). An exception from either is logged and ignored: the
 * request is forwarded and the client's response is never affected.
 */
public interface EditObserver {
    /** Watches nothing: every request is streamed as before. */
    EditObserver NONE = new EditObserver() {
        @Override
        public boolean watches(String method, String path) {
            return false;
        }

        @Override
        public Optional<LocalResponse> beforeForward(Backend backend, WatchedRequest request) {
            return Optional.empty();
        }

        @Override
        public void afterSuccess(Backend backend, WatchedRequest request, int status, byte[] responseBody) {
        }
    };

    /**
     * Whether this request is a Grafana write the gateway watches (cheap: method and path only). The
     * default watches the writes {@link GrafanaWrites#kind(String, String)} knows.
     *
     * @param path the request path as sent, without the query string (not percent-decoded)
     */
    default boolean watches(String method, String path) {
        return GrafanaWrites.kind(method, path).isPresent();
    }

    /**
     * Called once the watched request's body is complete. Bodies of watched requests are buffered up to
     * {@value EditWatch#MAX_BODY} bytes; a bigger one is forwarded unobserved (with a warning).
     *
     * @param backend the backend the request is about to go to (a retry may end up elsewhere)
     * @return a response to answer the client with instead of forwarding (e.g. a 412 from
     *         {@link GrafanaWrites#dashboardVersionMismatch()}), or empty to forward the request unchanged
     */
    Optional<LocalResponse> beforeForward(Backend backend, WatchedRequest request);

    /**
     * Called after a backend answered a watched request with a 2xx, once the response has been handed
     * to the client.
     *
     * @param backend      the backend that answered
     * @param responseBody the response body (gzip already undone), at most its first {@value Exchange#MAX_OBSERVED_RESPONSE} bytes
     */
    void afterSuccess(Backend backend, WatchedRequest request, int status, byte[] responseBody);
}
