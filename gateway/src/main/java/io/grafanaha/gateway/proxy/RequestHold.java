package io.grafanaha.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;

/**
 * What a connection's current request holds until it ends: its access-log entry, its span and its place under the
 * per-address concurrency cap. The frontend calls {@link #ended()} at every ending (answered, refused,
 * aborted), which gives the place back and writes the line, once. One per connection, on its event loop.
 */
final class RequestHold {
    private final ProxyContext proxy;
    private final AnswerNotes notes;
    /** The current request's span; null when the export is off, before the request is forwarded, or once exported. */
    private RequestSpan span;
    /** The current request's access-log entry; null when the log is off or the line is written. */
    private AccessLog.Entry access;
    /** The address whose place for a request in progress the current request holds ({@link ConcurrencyCap}); else null. */
    private String slot;
    /** The client closed the connection: an unfinished answer is logged as 499. */
    private boolean clientGone;
    /** The build the client's {@link BuildAffinity} cookie names; null without one. */
    private String clientBuild;

    RequestHold(ProxyContext proxy, AnswerNotes notes) {
        this.proxy = proxy;
        this.notes = notes;
    }

    /** A request head arrived (its method noted in the answer notes), spoken in {@code protocol}. */
    void begin(HttpRequest request, String protocol, InetSocketAddress peer, String requestId, long startNanos) {
        access = proxy.accessLog().begin(request, protocol, peer, requestId, startNanos);
        clientBuild = null;
    }

    /** The request's {@link BuildAffinity} cookie value. */
    void clientBuild(String build) {
        clientBuild = build;
    }

    String clientBuild() {
        return clientBuild;
    }

    /** The current request's access-log entry (null when the log is off), for the exchange to fill in. */
    AccessLog.Entry access() {
        return access;
    }

    /** The request is answered by the gateway itself ({@code gateway}) rather than by a backend. */
    void answeredBy(String name) {
        if (access != null) {
            access.answeredBy(name);
        }
    }

    void bodyRead(long bytes) {
        if (access != null) {
            access.bodyRead(bytes);
        }
    }

    /** The request goes to a backend: its trace context is rewritten for it and, with the export on, its span begun. */
    void traceToBackend(HttpRequest request, String path) {
        span = proxy.tracing().toBackend(request, path);
        if (access != null) {
            access.traceparent(request.headers().get(TraceContext.TRACEPARENT));
        }
    }

    /** The access log's and the span's count of tries, and their last backend and retry cause. */
    void noteAttempt(String backend, RetryCause cause) {
        if (span != null) {
            span.attempt(backend, cause);
        }
        if (access != null) {
            access.attempt(backend);
            if (cause != null) {
                access.retried(cause);
            }
        }
    }

    /** The current request's span (null when the export is off), for the exchange to note its tries in. */
    RequestSpan span() {
        return span;
    }

    /** Takes one of the client address's places for requests in progress, when that cap is on; false when none is left. */
    boolean holdConcurrencySlot(HttpRequest request, InetSocketAddress peer) {
        ConcurrencyCap cap = proxy.rateLimits().concurrency();
        if (!cap.on()) {
            return true;
        }
        String address = proxy.rateLimits().address(request, peer);
        if (!cap.acquire(address)) {
            return false;
        }
        slot = address;
        return true;
    }

    private void releaseConcurrencySlot() {
        if (slot != null) {
            proxy.rateLimits().concurrency().release(slot);
            slot = null;
        }
    }

    void clientGone() {
        clientGone = true;
        releaseConcurrencySlot();
    }

    /** The current request is over, its answer (status, body bytes) written: the place is given back, the line written. */
    void ended() {
        releaseConcurrencySlot();
        if (access == null && span == null) {
            return;
        }
        int status = clientGone ? ProxyMetrics.CLIENT_CLOSED : notes.status();
        if (span != null) {
            span.end(status);
            span = null;
        }
        if (access != null) {
            proxy.accessLog().end(access, status, notes.bodyBytes());
            access = null;
        }
    }

    /**
     * The connection is a tunnel now. Its place is given back at once (a tunnel lasts for hours: the connection caps
     * bound those); its access-log line is written when it closes, with the tunnel's duration.
     */
    void upgraded(Channel client) {
        releaseConcurrencySlot();
        AccessLog.Entry tunnel = access;
        RequestSpan tunnelSpan = span;
        access = null;
        span = null;
        int status = notes.status();
        if (tunnel != null) {
            tunnel.websocket();
            client.closeFuture().addListener(f -> proxy.accessLog().end(tunnel, status, 0));
        }
        if (tunnelSpan != null) {
            client.closeFuture().addListener(f -> tunnelSpan.end(status));
        }
    }
}
