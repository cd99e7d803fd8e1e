package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * One direction of a WebSocket (or other upgraded) tunnel: bytes from this channel go to the peer,
 * and the next read waits until the peer has taken them, so a slow side never makes the gateway buffer.
 * When either side closes or idles out, the other is closed after its pending bytes are flushed.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {
    static final String NAME = "relay";

    private final Channel peer;
    private final FrameBoundary frames;
    private ChannelHandlerContext ctx;
    /** Why the tunnel is to close once the frame in progress is relayed; null while it stays open. */
    private String closing;

    /** @param frames follows the WebSocket frames relayed to {@code peer}, or null when nobody needs to know */
    RelayHandler(Channel peer, FrameBoundary frames) {
        this.peer = peer;
        this.frames = frames;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Closes the tunnel once the WebSocket frame in progress towards {@code peer} is relayed whole, with a 1012
     * close frame after it ({@link Tunnels#sayGoodbye}); what the backend sends after that frame is dropped. Only on
     * the backend side of a WebSocket tunnel, on its event loop.
     */
    void closeAtBoundary(String reason) {
        closing = reason;
        if (frames.atBoundary()) {
            finishClosing();
        }
    }

    private void finishClosing() {
        Tunnels.sayGoodbye(peer, frames, closing);
        ctx.close();
        closeAfterFlush(peer);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            // Leftovers of the HTTP codecs (the empty last content after a 101) carry no bytes.
            ReferenceCountUtil.release(msg);
            return;
        }
        if (frames != null && closing != null) {
            ByteBuf buf = (ByteBuf) msg;
            ByteBuf rest = buf.readRetainedSlice(frames.consume(buf, true));
            buf.release();
            if (frames.atBoundary()) {
                peer.write(rest);
                finishClosing();
                return;
            }
            msg = rest;
        } else if (frames != null) {
            frames.consume((ByteBuf) msg);
        }
        peer.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                ctx.channel().read();
            } else {
                ctx.close();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeAfterFlush(peer);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    static void closeAfterFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
