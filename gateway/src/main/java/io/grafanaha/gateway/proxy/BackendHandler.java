package io.grafanaha.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Hands a backend channel's events to the exchange currently using it. While the channel idles in
 * the pool nothing should arrive: stray bytes mean the connection can no longer be trusted, so it closes.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
    static final String NAME = "backend";

    private Exchange exchange;
    private int exchangesServed;

    static BackendHandler of(Channel channel) {
        return (BackendHandler) channel.pipeline().get(NAME);
    }

    /** Binds the channel to {@code exchange}; returns whether an earlier exchange used it (a pooled reuse). */
    boolean attach(Exchange exchange) {
        this.exchange = exchange;
        return exchangesServed++ > 0;
    }

    void detach() {
        this.exchange = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (exchange == null) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        exchange.onBackendMessage(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onBackendReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onBackendClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (exchange != null) {
            exchange.onBackendClosed(cause);
        }
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && exchange == null) {
            ctx.close();
        }
        ReferenceCountUtil.release(evt);
    }
}
