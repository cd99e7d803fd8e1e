package io.grafanaha.gateway.proxy;

import io.grafanaha.health.Backend;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A hook on chosen requests passing through the proxy (the gateway uses it for Grafana's writes, see
 * {@code io.grafanaha.gateway.capture}). The proxy knows nothing of what is watched or why: it asks
 * {@link #watches}, gathers a watched request's body whole before any backend is contacted, lets
 * {@link #onRequest} answer it or forward it, and hands the forwarded request's final response to the
 * {@link ResponseObserver} the verdict carried.
 *
 * <p>That response (bounded: {@value #MAX_RESPONSE} bytes) is held from the client until the stage the
 * response observer returned completes, successfully or not, or {@code proxy.response-timeout} passes:
 * the observer's release gate, so a client is told "saved" only once what it saved is recorded. A
 * bigger response streams to the client as usual and is not held.
 *
 * <p>Every callback runs on the client connection's event loop: it must return quickly and never block
 * (hand real work to another executor and return its stage; {@link Verdict.Later} does so for the decision). An exception from one is logged and
 * ignored: the request is forwarded and the response released as if the observer were not there.
 */
public interface RequestObserver {
    /** Bodies of watched requests are gathered up to this many bytes; a bigger one is forwarded unobserved (with a warning). */
    int MAX_BODY = 10 * 1024 * 1024;
    /** How much of a watched request's response is gathered (and held from the client) for the {@link ResponseObserver}. */
    int MAX_RESPONSE = 1024 * 1024;

    /** Watches nothing: every request is streamed as before. */
    RequestObserver NONE = new RequestObserver() {
        @Override
        public Optional<String> watches(String method, String path) {
            return Optional.empty();
        }

        @Override
        public Verdict onRequest(Backend backend, ObservedRequest request) {
            return Verdict.FORWARD;
        }
    };

    /**
     * Whether this request is watched (cheap: method and path only), as the label it is counted under
     * in {@code gateway_edits_observed_total{kind}}; empty streams it unobserved.
     *
     * @param path the request path as sent, without the query string (not percent-decoded)
     */
    Optional<String> watches(String method, String path);

    /** Every label {@link #watches} may answer, so that their counters are exported at 0 before the first one. */
    default List<String> labels() {
        return List.of();
    }

    /**
     * Whether {@code request}, once forwarded, may be sent again to another backend when its backend dies without
     * answering a byte: a conditional write that backend checks against the version it names (a dashboard save
     * without {@code overwrite}), so a second delivery applies the same edit over the same base or is refused. It is
     * not re-sent as it was: {@link #onRequest} is asked again for the next backend, and its verdict (a 412, or a
     * body translated for that backend) is what happens there. Only with {@code routing.replay-saves} on. Default:
     * never.
     */
    default boolean replayable(ObservedRequest request) {
        return false;
    }

    /**
     * Whether a safe watched request (a dashboard load, say) is decided again by {@link #onRequest} for the backend
     * a retry moves it to: what the observer does before the request goes (bringing that backend up to the newest
     * acknowledged save) is for the backend that serves it, not for the one that refused the connection. It is not
     * a conditional write: nothing about the retry itself changes. Default: no.
     */
    default boolean decidesPerBackend(ObservedRequest request) {
        return false;
    }

    /**
     * Called once a watched request's body is complete (and again for the next backend when a
     * {@link #replayable} or {@link #decidesPerBackend} request moves to another backend).
     *
     * @param backend the backend the request is about to go to (a retry may end up elsewhere)
     */
    Verdict onRequest(Backend backend, ObservedRequest request);

    /** What {@link #onRequest} decided. */
    sealed interface Verdict {
        /** Forward the request and let its response through unobserved. */
        Verdict FORWARD = new Forward((backend, status, body) -> CompletableFuture.completedFuture(null));

        /** Answer the client with {@code response}; no backend sees the request. */
        record Answer(LocalResponse response) implements Verdict {}

        /**
         * Forward the request; its final response goes to {@code onResponse} before the client.
         *
         * @param body the body to send instead of the client's (the proxy sets {@code Content-Length} to its size), or
         *             null to forward the client's body byte for byte. Only for a request that is sent once: a
         *             rewritten body is meant for {@link #onRequest}'s backend.
         */
        record Forward(ResponseObserver onResponse, byte[] body) implements Verdict {
            /** Forward the request unchanged. */
            public Forward(ResponseObserver onResponse) {
                this(onResponse, null);
            }
        }

        /**
         * The decision needs work off the event loop (e.g. a read of the backend): the request waits, its client's
         * later bytes unread, until {@code verdict} completes. If it fails, or is not complete within
         * {@code proxy.response-timeout}, the request is forwarded unchanged and unobserved (an observer must never
         * stop people from saving). A {@code Later} inside a {@code Later} counts as {@link #FORWARD}.
         */
        record Later(CompletionStage<Verdict> verdict) implements Verdict {}
    }

    /** Sees the final response of one forwarded watched request. */
    @FunctionalInterface
    interface ResponseObserver {
        /**
         * Called once the response is whole, before the client has any of it (unless it outgrew
         * {@link #MAX_RESPONSE}, when the client is already receiving it).
         *
         * @param backend the backend that answered
         * @param status  its status (1xx responses are never reported)
         * @param body    the response body (gzip already undone), at most its first {@value #MAX_RESPONSE} bytes
         * @return the release gate: the client gets the response once it completes, successfully or not
         */
        CompletionStage<Void> onResponse(Backend backend, int status, byte[] body);
    }
}
