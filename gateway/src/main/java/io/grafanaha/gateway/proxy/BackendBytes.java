package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;

/**
 * Where a request head written as bytes ({@link RequestHeadWriter}) enters the backend connection: a place below the
 * request encoder, so the bytes go out as they are and the encoder, which never sees them, stays ready for the next
 * request written as objects (as {@link ClientBytes} is for answers to the client).
 */
final class BackendBytes extends ChannelHandlerAdapter {
    static final String NAME = "request-bytes";

    private ChannelHandlerContext ctx;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    ChannelFuture write(ByteBuf bytes) {
        return ctx.write(bytes);
    }
}
