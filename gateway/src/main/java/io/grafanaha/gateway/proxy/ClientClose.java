package io.grafanaha.gateway.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.DuplexChannel;

/**
 * Closes a client connection whose last exchange said {@code Connection: close} (the request, the answer, an
 * HTTP/1.0 client, or a drain), once its answer has been written and flushed by the caller.
 *
 * <p>With a connection per request this runs once per request, so the usual case costs nothing more than the
 * close: when the socket took the whole answer in the flush (the outbound buffer is empty), the connection
 * closes at once. Only when bytes are still queued for a slow reader does it wait for them, with an empty write
 * whose completion says the queue ahead of it is gone. HTTP/2 streams take that path too: a stream's writes go
 * through its parent connection, whose queue is not the stream's.
 */
final class ClientClose {
    private ClientClose() {}

    /** Closes {@code ctx}'s channel as soon as everything written to it so far has gone to the socket. */
    static void afterAnswer(ChannelHandlerContext ctx) {
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
}
