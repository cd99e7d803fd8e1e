package io.grafanaha.gateway.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A request body gathered whole before the gateway acts on it (a watched request in {@link EditWatch}, a
 * local route in {@link LocalExchange}): the chunks are kept as they came (retained, not copied), so they
 * can still be forwarded byte for byte, or copied out once complete. Also the helpers both of those
 * share: the request's headers as a plain map, and the gateway's own answer as an HTTP response.
 */
final class GatheredBody {
    private final List<HttpContent> chunks = new ArrayList<>();
    private long bytes;

    /** Keeps {@code content} (this body now owns it). */
    void add(HttpContent content) {
        chunks.add(content);
        bytes += content.content().readableBytes();
    }

    long size() {
        return bytes;
    }

    /** A copy of the bytes gathered so far, the chunks left as they are. */
    byte[] copy() {
        byte[] body = new byte[(int) bytes];
        int at = 0;
        for (HttpContent chunk : chunks) {
            int n = chunk.content().readableBytes();
            chunk.content().getBytes(chunk.content().readerIndex(), body, at, n);
            at += n;
        }
        return body;
    }

    /** The chunks, handed over to the caller (who now owns them); this body is empty afterwards. */
    List<HttpContent> take() {
        List<HttpContent> taken = List.copyOf(chunks);
        chunks.clear();
        bytes = 0;
        return taken;
    }

    void release() {
        for (HttpContent chunk : chunks) {
            chunk.release();
        }
        chunks.clear();
        bytes = 0;
    }

    /** Header values by lower-case name, in the order received. */
    static Map<String, List<String>> headerMap(HttpHeaders headers) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        headers.forEach(e -> map.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(e.getValue()));
        map.replaceAll((k, v) -> List.copyOf(v));
        return map;
    }

    /** The first value of header {@code name} (any case) in a map from {@link #headerMap}. */
    static Optional<String> first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /**
     * The observer answered a watched request instead of a backend (its 412): the client gets {@code response}, counted
     * as the gateway's own answer, and may send its next request (its body was read whole).
     */
    static void answerEdit(FrontendHandler frontend, ProxyContext proxy, Client client, HttpMethod method, LocalResponse response,
                           boolean keepAlive, long startNanos) {
        proxy.metrics().editRejected();
        boolean keep = keepAlive && !proxy.drain().draining();
        proxy.metrics().request(LocalExchange.METRIC_BACKEND, method, response.status(), startNanos);
        frontend.answeredBy(LocalExchange.METRIC_BACKEND);
        var answer = toHttp(response, keep);
        answer.headers().set(RequestIds.X_REQUEST_ID, frontend.requestId());
        client.writeAndFlush(answer);
        frontend.exchangeFinished(keep);
    }

    /** The gateway's own answer, never cached; with {@code Connection: close} unless the client stays. */
    static FullHttpResponse toHttp(LocalResponse response, boolean keepAlive) {
        FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(response.status()),
                Unpooled.wrappedBuffer(response.body()));
        out.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, response.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        response.headers().forEach((name, values) -> out.headers().add(name, values));
        if (!keepAlive) {
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return out;
    }
}
