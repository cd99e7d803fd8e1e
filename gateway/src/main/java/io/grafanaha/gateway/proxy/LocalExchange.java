package io.grafanaha.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.CompletableFuture;

/**
 * A request the gateway answers itself ({@link LocalRoutes}): the body is gathered (up to
 * {@link #MAX_BODY}, else 413), the handler runs, and its answer is written on the client's event
 * loop whichever thread completed it.
 */
final class LocalExchange implements RequestSink {
    static final int MAX_BODY = 1024 * 1024;
    static final String METRIC_BACKEND = "local";

    private final FrontendHandler frontend;
    private final ProxyContext proxy;
    private final Client client;
    private final HttpRequest request;
    private final LocalHandler handler;
    private final boolean keepAlive;
    private final long startNanos = System.nanoTime();
    private final GatheredBody body = new GatheredBody();
    private boolean requestDone;
    private boolean ended;

    LocalExchange(FrontendHandler frontend, ProxyContext proxy, Client client, HttpRequest request, LocalHandler handler,
                  boolean keepAlive) {
        this.frontend = frontend;
        this.proxy = proxy;
        this.client = client;
        this.request = request;
        this.handler = handler;
        this.keepAlive = keepAlive;
    }

    void start() {
        proxy.drain().exchangeStarted();
        if (HttpUtil.getContentLength(request, 0L) > MAX_BODY) {
            tooLarge();
        } else {
            ContinueAnswer.sendIfExpected(client, request);
        }
    }

    @Override
    public boolean canWriteRequestBody() {
        return !ended && !requestDone;
    }

    @Override
    public void writeRequestBody(HttpContent content) {
        if (body.size() + content.content().readableBytes() > MAX_BODY) {
            content.release();
            tooLarge();
            return;
        }
        body.add(content);
        if (content instanceof LastHttpContent) {
            requestDone = true;
            dispatch();
        }
    }

    @Override
    public void flushBackend() {
    }

    @Override
    public boolean wantsClientRead() {
        return !ended && !requestDone;
    }

    @Override
    public boolean requestDone() {
        return requestDone;
    }

    @Override
    public void requestFramingFailed(Rejection rejection) {
        if (end()) {
            proxy.metrics().request(METRIC_BACKEND, request.method(), rejection.status().code(), startNanos);
            frontend.exchangeFailed(rejection);
        }
    }

    @Override
    public void clientClosed() {
        if (end()) {
            proxy.metrics().request(METRIC_BACKEND, request.method(), ProxyMetrics.CLIENT_CLOSED, startNanos);
            frontend.exchangeAborted();
        }
    }

    private void tooLarge() {
        if (end()) {
            proxy.metrics().request(METRIC_BACKEND, request.method(), 413, startNanos);
            frontend.exchangeRefusedBody(new Rejection(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "request body exceeds " + MAX_BODY + " bytes, the limit for " + request.uri()));
        }
    }

    private void dispatch() {
        LocalRequest local = new LocalRequest(request.method().name(), request.uri(), GatheredBody.headerMap(request.headers()),
                body.copy());
        CompletableFuture<LocalResponse> answer;
        try {
            answer = handler.handle(local);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((response, error) -> client.eventLoop().execute(() -> respond(response, error)));
    }

    private void respond(LocalResponse response, Throwable error) {
        if (ended) {
            return;
        }
        if (error != null || response == null) {
            String why = error == null ? "no response" : String.valueOf(error.getMessage());
            end();
            proxy.metrics().request(METRIC_BACKEND, request.method(), 500, startNanos);
            frontend.exchangeFailed(new Rejection(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "the gateway could not handle " + request.method() + " " + request.uri() + ": " + why));
            return;
        }
        end();
        boolean keep = keepAlive && !proxy.drain().draining();
        proxy.metrics().request(METRIC_BACKEND, request.method(), response.status(), startNanos);
        var answer = GatheredBody.toHttp(response, keep);
        answer.headers().set(RequestIds.X_REQUEST_ID, frontend.requestId());
        client.writeAndFlush(answer);
        frontend.exchangeFinished(keep);
    }

    /** Ends once; returns false if it had already ended. */
    private boolean end() {
        if (ended) {
            return false;
        }
        ended = true;
        body.release();
        proxy.drain().exchangeEnded();
        return true;
    }
}
