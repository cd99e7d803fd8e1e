package io.grafanaha.gateway.proxy;

import io.grafanaha.health.Backend;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage of a watched request ({@link RequestObserver}): the body is gathered (the chunks kept
 * as they came, up to {@link RequestObserver#MAX_BODY}) before any backend is contacted, then the observer
 * may answer it (e.g. the 412 guard) or the chunks go back to the front of the frontend's queue and the
 * {@link Exchange} streams them as it would any body, byte for byte with the original framing (or the
 * observer's rewritten body in their place). An observer that needs time to decide answers
 * {@link RequestObserver.Verdict.Later}: the request waits here, the client unread, until it decides.
 * A body over the limit is forwarded the same way, unobserved.
 */
final class EditWatch implements RequestSink {
    private static final Logger log = LoggerFactory.getLogger(EditWatch.class);

    private final FrontendHandler frontend;
    private final ProxyContext proxy;
    private final Client client;
    private final Exchange exchange;
    private final Backend backend;
    private final HttpRequest request;
    private final String label;
    private final boolean keepAlive;
    private final long startNanos;
    private final GatheredBody body = new GatheredBody();
    /** Bytes of {@link #body} counted in the proxy-wide {@link WatchBuffers}. */
    private long held;
    private boolean ended;
    /** The body is complete and the observer's {@link RequestObserver.Verdict.Later} decision is awaited. */
    private boolean deciding;
    /** The whole request as the observer saw it, once the body is complete. */
    private ObservedRequest observed;

    /**
     * @param exchange the exchange that will forward the request, not started yet
     * @param request  the request as it will be forwarded
     * @param label    what the observer calls this request, for {@code gateway_edits_observed_total{kind}}
     */
    EditWatch(FrontendHandler frontend, ProxyContext proxy, Client client, Exchange exchange, Backend backend,
              HttpRequest request, String label, boolean keepAlive, long startNanos) {
        this.frontend = frontend;
        this.proxy = proxy;
        this.client = client;
        this.exchange = exchange;
        this.backend = backend;
        this.request = request;
        this.label = label;
        this.keepAlive = keepAlive;
        this.startNanos = startNanos;
    }

    void start() {
        proxy.drain().exchangeStarted();
        long declared = HttpUtil.getContentLength(request, 0L);
        if (declared > RequestObserver.MAX_BODY) {
            tooLarge(declared);
        } else if (!proxy.watchBuffers().fits(declared)) {
            overTotal();
        } else {
            ContinueAnswer.sendIfExpected(client, request);
        }
    }

    @Override
    public boolean canWriteRequestBody() {
        return !ended && !deciding;
    }

    @Override
    public void writeRequestBody(HttpContent content) {
        int bytes = content.content().readableBytes();
        if (!proxy.watchBuffers().tryHold(bytes)) {
            content.release();
            overTotal();
            return;
        }
        held += bytes;
        body.add(content);
        if (content instanceof LastHttpContent) {
            complete();
        } else if (body.size() > RequestObserver.MAX_BODY) {
            tooLarge(body.size());
        }
    }

    @Override
    public void flushBackend() {
    }

    @Override
    public boolean wantsClientRead() {
        return !ended && !deciding;
    }

    /** Only while a decision is awaited: until the body is complete the request is still arriving, and then this sink is gone. */
    @Override
    public boolean requestDone() {
        return deciding;
    }

    @Override
    public void requestFramingFailed(Rejection rejection) {
        if (end()) {
            body.release();
            proxy.metrics().request(ProxyMetrics.NO_BACKEND, request.method(), rejection.status().code(), startNanos);
            frontend.exchangeFailed(rejection);
        }
    }

    @Override
    public void clientClosed() {
        if (end()) {
            body.release();
            proxy.metrics().request(ProxyMetrics.NO_BACKEND, request.method(), ProxyMetrics.CLIENT_CLOSED, startNanos);
            frontend.exchangeAborted();
        }
    }

    /**
     * The watches together hold all they may: this save is refused before any of it is forwarded, with 503
     * and Retry-After, so nothing is lost and the client may send it again. Streaming it unobserved instead
     * would save it without the edit being journaled.
     */
    private void overTotal() {
        if (end()) {
            body.release();
            log.warn("{} {}: edits in progress already hold {} bytes (the limit): answered 503", request.method(), request.uri(),
                    proxy.watchBuffers().limit());
            proxy.metrics().editDeferred();
            proxy.metrics().request(ProxyMetrics.NO_BACKEND, request.method(), 503, startNanos);
            frontend.exchangeRefusedBody(new Rejection(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "the gateway is busy with other saves; try again in a moment"));
        }
    }

    private void tooLarge(long size) {
        log.warn("{} {}: body of {} bytes exceeds {} bytes, forwarded to {} without edit observation",
                request.method(), request.uri(), size, RequestObserver.MAX_BODY, backend.name());
        proxy.metrics().editUnobserved();
        forward();
    }

    private void complete() {
        observed = new ObservedRequest(request.method().name(), request.uri(),
                GatheredBody.headerMap(request.headers()), body.copy());
        proxy.metrics().editObserved(label);
        RequestObserver.Verdict verdict;
        try {
            verdict = proxy.observer().onRequest(backend, observed);
        } catch (RuntimeException e) {
            // Failing open: an observer bug must not stop people from saving their dashboards.
            log.warn("request observer failed before {} {}; forwarding unguarded", observed.method(), observed.uri(), e);
            verdict = RequestObserver.Verdict.FORWARD;
        }
        if (verdict instanceof RequestObserver.Verdict.Later later) {
            awaitDecision(later, observed);
            return;
        }
        act(verdict);
    }

    /**
     * The observer needs time (e.g. to read the backend): the client's next bytes stay unread until its stage
     * completes on any thread; the verdict is then acted on here, on the event loop, unless the client left.
     */
    private void awaitDecision(RequestObserver.Verdict.Later later, ObservedRequest observed) {
        deciding = true;
        long timeout = proxy.timeouts().responseTimeout().toMillis();
        ScheduledFuture<?> timer = client.eventLoop().schedule(() -> {
            if (deciding && !ended) {
                log.warn("request observer did not decide on {} {} within {} ms; forwarding it unchanged",
                        observed.method(), observed.uri(), timeout);
                decided(RequestObserver.Verdict.FORWARD);
            }
        }, timeout, TimeUnit.MILLISECONDS);
        CompletionStage<RequestObserver.Verdict> stage;
        try {
            stage = later.verdict();
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((verdict, error) -> client.eventLoop().execute(() -> {
            timer.cancel(false);
            if (!deciding || ended) {
                return;
            }
            if (error != null || verdict == null || verdict instanceof RequestObserver.Verdict.Later) {
                log.warn("request observer failed before {} {}; forwarding unguarded", observed.method(), observed.uri(), error);
                decided(RequestObserver.Verdict.FORWARD);
            } else {
                decided(verdict);
            }
        }));
    }

    private void decided(RequestObserver.Verdict verdict) {
        deciding = false;
        act(verdict);
        if (!(verdict instanceof RequestObserver.Verdict.Answer)) {
            // The exchange has the request now; what the client sent meanwhile waits in the frontend's queue.
            frontend.drain();
        }
    }

    private void act(RequestObserver.Verdict verdict) {
        if (verdict instanceof RequestObserver.Verdict.Answer answer) {
            respond(answer.response());
            return;
        }
        if (verdict instanceof RequestObserver.Verdict.Forward forward) {
            exchange.observe(forward.onResponse());
            ConditionalReplay.of(proxy.observer(), observed).ifPresent(exchange::replayable);
            if (forward.body() != null) {
                replaceBody(forward.body());
            }
        }
        forward();
    }

    /** The observer rewrote the body: it replaces the gathered chunks, with its own length, whatever the client's framing. */
    private void replaceBody(byte[] replacement) {
        body.release();
        request.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        request.headers().remove(HttpHeaderNames.CONTENT_ENCODING);
        request.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, replacement.length);
        body.add(new DefaultLastHttpContent(Unpooled.wrappedBuffer(replacement)));
    }

    /** Hands the request to the exchange: the chunks gathered so far go first, the rest follows from the client. */
    private void forward() {
        if (ended) {
            return;
        }
        ended = true;
        releaseHeld();
        frontend.forwardWatched(exchange, body.take());
        // After the exchange has counted itself, so a drain never sees zero in between.
        proxy.drain().exchangeEnded();
    }

    private void respond(LocalResponse response) {
        end();
        body.release();
        GatheredBody.answerEdit(frontend, proxy, client, request.method(), response, keepAlive, startNanos);
    }

    /** Ends this stage once; returns false if it had already ended. */
    private boolean end() {
        if (ended) {
            return false;
        }
        ended = true;
        releaseHeld();
        proxy.drain().exchangeEnded();
        return true;
    }

    /** The body leaves this stage (forwarded: the exchange streams it; or dropped): it is no longer counted here. */
    private void releaseHeld() {
        proxy.watchBuffers().release(held);
        held = 0;
    }
}
