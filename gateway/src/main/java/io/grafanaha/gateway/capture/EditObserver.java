package io.grafanaha.gateway.capture;

import io.grafanaha.gateway.proxy.LocalResponse;
import io.grafanaha.gateway.proxy.RequestObserver;
import io.grafanaha.health.Backend;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Sees the Grafana writes that pass through the proxy (dashboard saves and deletes, folder changes,
 * library panel saves and deletes), so the sync can write them back to Git and guard against saving over
 * a newer version. {@link EditHook} connects it to the proxy.
 *
 * <p>Both callbacks run on the client connection's event loop: they must return quickly and never
 * block (hand real work to another executor). An exception from either is logged and ignored: the
 * request is forwarded and the client's response is never affected.
 */
public interface EditObserver {
    /**
     * Called once the watched request's body is complete. Bodies of watched requests are gathered up to
     * {@value RequestObserver#MAX_BODY} bytes; a bigger one is forwarded unobserved (with a warning).
     *
     * @param backend the backend the request is about to go to (a retry may end up elsewhere)
     * @return a response to answer the client with instead of forwarding (e.g. a 412 from
     *         {@link GrafanaWrites#dashboardVersionMismatch()}), or empty to forward the request unchanged
     */
    Optional<LocalResponse> beforeForward(Backend backend, WatchedRequest request);

    /**
     * Called after a backend answered a watched request with a 2xx, before the client has the response.
     *
     * @param backend      the backend that answered
     * @param responseBody the response body (gzip already undone), at most its first {@value RequestObserver#MAX_RESPONSE} bytes
     * @return when the client may have the response (the proxy waits at most {@code proxy.response-timeout},
     *         and sends it even if this fails)
     */
    CompletionStage<Void> afterSuccess(Backend backend, WatchedRequest request, int status, byte[] responseBody);
}
