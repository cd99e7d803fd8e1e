package io.grafanaha.testkit.faults;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** Hands the events of one side of a {@link ProxyConnection} to it, saying which side they came from. */
final class RelayHandler extends ChannelInboundHandlerAdapter {

    private final ProxyConnection connection;
    private final boolean clientSide;

    RelayHandler(ProxyConnection connection, boolean clientSide) {
        this.connection = connection;
        this.clientSide = clientSide;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        connection.onRead(clientSide, (ByteBuf) msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connection.onClosed(clientSide);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        connection.onWritabilityChanged(clientSide);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A peer that resets or vanishes ends this side; channelInactive then carries the close through.
        ctx.close();
    }
}
