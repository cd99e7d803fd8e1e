package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/1.1 connection as a {@link Client}: the place of {@link FrontendHandler} in the connection's pipeline, so
 * objects written pass the response encoder and an ordinary answer's bytes go to the pipeline's {@link ClientBytes}.
 */
final class ConnectionClient implements Client {
    private final ChannelHandlerContext ctx;

    ConnectionClient(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public ChannelFuture write(Object msg) {
        return ctx.write(msg);
    }

    @Override
    public ChannelFuture writeAndFlush(Object msg) {
        return ctx.writeAndFlush(msg);
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public void read() {
        ctx.read();
    }

    @Override
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    @Override
    public ClientBytes bytes() {
        return (ClientBytes) ctx.pipeline().get(ClientBytes.NAME);
    }

    @Override
    public void close() {
        ctx.close();
    }

    /**
     * With a connection per request this runs once per request, so the usual case costs nothing more than the close:
     * when the socket took the whole answer in the flush (the outbound buffer is empty), the connection closes at
     * once. Only when bytes are still queued for a slow reader does it wait for them, with an empty write whose
     * completion says the queue ahead of it is gone.
     */
    @Override
    public void closeAfterAnswer() {
        if (ctx.channel() instanceof DuplexChannel && nothingQueued(ctx.channel().unsafe().outboundBuffer())) {
            ctx.close();
        } else {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Null once the channel is closed (closing again is harmless); otherwise no message flushed or waiting for a flush. */
    private static boolean nothingQueued(ChannelOutboundBuffer queue) {
        return queue == null || (queue.isEmpty() && queue.totalPendingWriteBytes() == 0);
    }

    /**
     * Closing at once would leave unread bytes in the socket, and the kernel would answer them with a reset that can
     * destroy the answer before the client reads it; so, like nginx's lingering close, this ends the gateway's side
     * of the connection once the answer went out, and reads and drops the rest of the upload for a moment before
     * closing.
     */
    @Override
    public void closeWhileUploading(ChannelFuture answered, long lingerMillis) {
        answered.addListener(f -> {
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            if (ctx.channel() instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
            }
            ctx.channel().config().setAutoRead(true); // the frontend drops everything it reads now
            ctx.executor().schedule(() -> {
                ctx.close();
            }, lingerMillis, TimeUnit.MILLISECONDS);
        });
    }

    @Override
    public Channel connection() {
        return ctx.channel();
    }

    @Override
    public boolean stream() {
        return false;
    }
}
