package io.grafanaha.testkit.grafana;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for Grafana Live after the upgrade: echoes data frames, so a proxy test can
 * prove frames flow both ways; counts the session while the channel is open.
 */
final class LiveSocketHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private final WebSocketServerHandshaker handshaker;
    private final AtomicInteger openSessions;
    private boolean counted;

    LiveSocketHandler(WebSocketServerHandshaker handshaker, AtomicInteger openSessions) {
        this.handshaker = handshaker;
        this.openSessions = openSessions;
    }

    /** Called once the 101 response is written. */
    void opened() {
        counted = true;
        openSessions.incrementAndGet();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame close) {
            handshaker.close(ctx.channel(), close.retain());
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (!(frame instanceof PongWebSocketFrame)) {
            // Text, binary and continuation frames go back as they came, fragments included.
            ctx.writeAndFlush(frame.retainedDuplicate());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (counted) {
            counted = false;
            openSessions.decrementAndGet();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
