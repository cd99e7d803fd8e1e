package io.grafanaha.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Hands a backend channel's events to the attempt currently using it. While the channel idles in
 * the pool nothing should arrive: stray bytes mean the connection can no longer be trusted, so it closes.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
    static final String NAME = "backend";

    /** The same pipeline's framer and byte writer, which every request on the connection uses. */
    private final ResponseFramer framer;
    private final BackendBytes bytes;
    private Attempt attempt;
    private int exchangesServed;
    /** The response timeout of whichever attempt uses the connection; created with the first. */
    private ResponseDeadline deadline;

    BackendHandler(ResponseFramer framer, BackendBytes bytes) {
        this.framer = framer;
        this.bytes = bytes;
    }

    static BackendHandler of(Channel channel) {
        return (BackendHandler) channel.pipeline().get(NAME);
    }

    /** Binds the channel to {@code attempt}; returns whether an earlier attempt used it (a pooled reuse). */
    boolean attach(Attempt attempt) {
        this.attempt = attempt;
        return exchangesServed++ > 0;
    }

    ResponseFramer framer() {
        return framer;
    }

    BackendBytes bytes() {
        return bytes;
    }

    void detach() {
        this.attempt = null;
    }

    /** The connection's response timer (one for all the requests it carries). */
    ResponseDeadline deadline(Channel channel) {
        if (deadline == null) {
            deadline = new ResponseDeadline(channel.eventLoop());
        }
        return deadline;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (attempt == null) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        attempt.onBackendMessage(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (attempt != null) {
            attempt.onBackendReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.close();
        }
        if (attempt != null) {
            attempt.onBackendClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (attempt != null) {
            attempt.onBackendClosed(cause);
        }
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && attempt == null) {
            ctx.close();
        }
        ReferenceCountUtil.release(evt);
    }
}
