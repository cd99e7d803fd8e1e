package io.grafanaha.testkit.grafana;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Netty side of one connection: records the request, applies the fault controls (hang, delay),
 * upgrades {@code /api/live/ws}, and writes {@link GrafanaApp}'s answer with a correct
 * Content-Length and keep-alive handling.
 */
final class EmulatorHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String LIVE_PATH = "/api/live/ws";
    /** Test control, read-only and not counted: requests received so far, in total and by path. */
    static final String REQUESTS_PATH = "/_emulator/requests";

    private final GrafanaApp app;
    private final Controls controls;
    private final RequestStats stats;
    private final String name;

    EmulatorHttpHandler(GrafanaApp app, Controls controls, RequestStats stats, String name) {
        this.app = app;
        this.name = name;
        this.controls = controls;
        this.stats = stats;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!req.decoderResult().isSuccess()) {
            write(ctx, false, false, ApiResponse.plain(400, "400 Bad Request"));
            return;
        }
        if (req.method().equals(HttpMethod.GET) && new QueryStringDecoder(req.uri()).path().equals(REQUESTS_PATH)) {
            write(ctx, HttpUtil.isKeepAlive(req), false, Json.ok(stats.snapshot()));
            return;
        }
        byte[] body = ByteBufUtil.getBytes(req.content());
        stats.record(new RecordedRequest(req.method().name(), req.uri(), headerMap(req.headers()), body));
        if (controls.hang()) {
            return; // read, never answered: the client's timeout is what a test wants to see
        }
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        if (uri.path().equals(LIVE_PATH) && req.method().equals(HttpMethod.GET)) {
            upgrade(ctx, req);
            return;
        }
        ApiRequest apiRequest = new ApiRequest(req.method().name(), uri.path(), uri.parameters(), req.headers().copy(),
                body, null, Map.of(), remote(ctx));
        Controls.Hold hold = controls.hold();
        if (hold != null && hold.matches(req.method().name(), uri.path())) {
            if (hold.apply()) {
                app.handle(apiRequest); // its change is made; its answer never leaves
            }
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        boolean head = req.method().equals(HttpMethod.HEAD);
        boolean http10 = req.protocolVersion().equals(HttpVersion.HTTP_1_0);
        Duration delay = controls.delay();
        if (delay.isZero()) {
            write(ctx, keepAlive, head, http10, app.handle(apiRequest));
        } else {
            // Handled after the delay, even if the client gave up meanwhile: a slow server still commits.
            ctx.executor().schedule(() -> write(ctx, keepAlive, head, http10, app.handle(apiRequest)),
                    delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        Optional<ApiResponse> rejection = CsrfCheck.check(req.method().name(), req.headers())
                .or(() -> app.liveUpgradeRejection(req.headers(), remote(ctx)));
        if (rejection.isPresent()) {
            write(ctx, keepAlive, false, rejection.get());
            return;
        }
        if (!req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                || !req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            write(ctx, keepAlive, false, ApiResponse.plain(400,
                    "websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' header"));
            return;
        }
        String location = "ws://" + req.headers().get(HttpHeaderNames.HOST, "127.0.0.1") + LIVE_PATH;
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(location, null, true, 1 << 20)
                .newHandshaker(req);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        LiveSocketHandler live = new LiveSocketHandler(handshaker, stats.openWebSockets());
        ctx.pipeline().replace(this, "grafana-live", live);
        handshaker.handshake(ctx.channel(), req).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                live.opened();
            } else {
                f.channel().close();
            }
        });
    }

    private void write(ChannelHandlerContext ctx, boolean keepAlive, boolean head, ApiResponse response) {
        write(ctx, keepAlive, head, false, response);
    }

    private void write(ChannelHandlerContext ctx, boolean keepAlive, boolean head, boolean http10,
                              ApiResponse response) {
        if (!ctx.channel().isActive()) {
            return;
        }
        FullHttpResponse res = new DefaultFullHttpResponse(http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.status()),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(response.body()));
        HttpHeaders h = res.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        // HEAD advertises the length the GET body would have.
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
        h.set(HttpHeaderNames.DATE, DateFormatter.format(new java.util.Date()));
        response.headers().forEach(h::add);
        // Not Grafana's: lets a test or benchmark behind a proxy tell which instance answered.
        h.set(GrafanaEmulator.NAME_HEADER, name);
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        } else {
            if (http10) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            ctx.writeAndFlush(res);
        }
    }

    private static InetSocketAddress remote(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a : null;
    }

    private static Map<String, List<String>> headerMap(HttpHeaders headers) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        headers.forEach(e -> map.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(e.getValue()));
        map.replaceAll((k, v) -> List.copyOf(v));
        return Map.copyOf(map);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
