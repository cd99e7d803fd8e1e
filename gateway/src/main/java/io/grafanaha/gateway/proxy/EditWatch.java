package io.grafanaha.gateway.proxy;

import io.grafanaha.health.Backend;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage of a watched Grafana write ({@link EditObserver}): the body is gathered (the chunks
 * kept as they came, up to {@link #MAX_BODY}) before any backend is contacted, then the observer may
 * answer it (the 412 guard) or the chunks go back to the front of the frontend's queue and the
 * {@link Exchange} streams them as it would any body, byte for byte with the original framing.
 * A body over the limit is forwarded the same way, unobserved.
 */
final class EditWatch implements RequestSink {
    static final int MAX_BODY = 10 * 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger(EditWatch.class);

    private final FrontendHandler frontend;
    private final ProxyContext proxy;
    private final Channel client;
    private final Exchange exchange;
    private final Backend backend;
    private final HttpRequest request;
    private final boolean keepAlive;
    private final long startNanos;
    private final List<HttpContent> chunks = new ArrayList<>();
    private long bytes;
    private boolean ended;

    /**
     * @param exchange the exchange that will forward the request, not started yet
     * @param request  the request as it will be forwarded
     */
    EditWatch(FrontendHandler frontend, ProxyContext proxy, Channel client, Exchange exchange, Backend backend,
              HttpRequest request, boolean keepAlive, long startNanos) {
        this.frontend = frontend;
        this.proxy = proxy;
        this.client = client;
        this.exchange = exchange;
        this.backend = backend;
        this.request = request;
        this.keepAlive = keepAlive;
        this.startNanos = startNanos;
    }

    void start() {
        proxy.drain().exchangeStarted();
        long declared = HttpUtil.getContentLength(request, 0L);
        if (declared > MAX_BODY) {
            tooLarge(declared);
        } else {
            ContinueAnswer.sendIfExpected(client, request);
        }
    }

    @Override
    public boolean canWriteRequestBody() {
        return !ended;
    }

    @Override
    public void writeRequestBody(HttpContent content) {
        chunks.add(content);
        bytes += content.content().readableBytes();
        if (content instanceof LastHttpContent) {
            complete();
        } else if (bytes > MAX_BODY) {
            tooLarge(bytes);
        }
    }

    @Override
    public void flushBackend() {
    }

    @Override
    public boolean wantsClientRead() {
        return !ended;
    }

    /** Never: until the body is complete the request is still arriving, and then this sink is gone. */
    @Override
    public boolean requestDone() {
        return false;
    }

    @Override
    public void requestFramingFailed(Rejection rejection) {
        if (end()) {
            release();
            proxy.metrics().request(ProxyMetrics.NO_BACKEND, request.method(), rejection.status().code(), startNanos);
            frontend.exchangeFailed(rejection);
        }
    }

    @Override
    public void clientClosed() {
        if (end()) {
            release();
            proxy.metrics().request(ProxyMetrics.NO_BACKEND, request.method(), ProxyMetrics.CLIENT_CLOSED, startNanos);
            frontend.exchangeAborted();
        }
    }

    private void tooLarge(long size) {
        log.warn("{} {}: body of {} bytes exceeds {} bytes, forwarded to {} without edit observation",
                request.method(), request.uri(), size, MAX_BODY, backend.name());
        proxy.metrics().editUnobserved();
        forward();
    }

    private void complete() {
        byte[] body = new byte[(int) bytes];
        int at = 0;
        for (HttpContent chunk : chunks) {
            int n = chunk.content().readableBytes();
            chunk.content().getBytes(chunk.content().readerIndex(), body, at, n);
            at += n;
        }
        Map<String, List<String>> headers = headerMap(request.headers());
        WatchedRequest watched = new WatchedRequest(request.method().name(), request.uri(), headers, body, GrafanaWrites.user(headers));
        String path = FrontendHandler.path(request.uri());
        proxy.metrics().editObserved(GrafanaWrites.kind(watched.method(), path).map(GrafanaWrite.Kind::label).orElse("other"));
        Optional<LocalResponse> answer;
        try {
            answer = proxy.editObserver().beforeForward(backend, watched);
        } catch (RuntimeException e) {
            // Failing open: an observer bug must not stop people from saving their dashboards.
            log.warn("edit observer failed before {} {}; forwarding unguarded", watched.method(), watched.uri(), e);
            answer = Optional.empty();
        }
        if (answer != null && answer.isPresent()) {
            respond(answer.get());
            return;
        }
        exchange.observe(watched);
        forward();
    }

    /** Hands the request to the exchange: the chunks gathered so far go first, the rest follows from the client. */
    private void forward() {
        if (ended) {
            return;
        }
        ended = true;
        List<HttpContent> gathered = List.copyOf(chunks);
        chunks.clear();
        frontend.forwardWatched(exchange, gathered);
        // After the exchange has counted itself, so a drain never sees zero in between.
        proxy.drain().exchangeEnded();
    }

    private void respond(LocalResponse response) {
        end();
        release();
        proxy.metrics().editRejected();
        boolean keep = keepAlive && !proxy.drain().draining();
        FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(response.status()),
                Unpooled.wrappedBuffer(response.body()));
        out.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, response.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (!keep) {
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        proxy.metrics().request(LocalExchange.METRIC_BACKEND, request.method(), response.status(), startNanos);
        client.writeAndFlush(out);
        frontend.exchangeFinished(keep);
    }

    /** Ends this stage once; returns false if it had already ended. */
    private boolean end() {
        if (ended) {
            return false;
        }
        ended = true;
        proxy.drain().exchangeEnded();
        return true;
    }

    private void release() {
        for (HttpContent chunk : chunks) {
            chunk.release();
        }
        chunks.clear();
    }

    /** Header values by lower-case name, in the order received. */
    static Map<String, List<String>> headerMap(HttpHeaders headers) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        headers.forEach(e -> map.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(e.getValue()));
        map.replaceAll((k, v) -> List.copyOf(v));
        return map;
    }
}
