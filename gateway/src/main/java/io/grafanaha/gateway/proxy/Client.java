package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;

/**
 * Where one request comes from and its answer goes: an HTTP/1.1 connection ({@link ConnectionClient}) or one HTTP/2
 * stream on a connection ({@link StreamClient}). {@link FrontendHandler} and the exchanges it starts read the request
 * and write the answer through this, so a stream is served exactly like an HTTP/1.1 request without a channel and
 * pipeline of its own.
 *
 * <p>Writes take the answer as HTTP/1.1 objects (the gateway's own answers, relayed heads and chunks) or, for an
 * ordinary relayed answer, as the backend's bytes ({@link #bytes()}). Everything runs on {@link #eventLoop()}.
 */
interface Client {
    EventLoop eventLoop();

    ByteBufAllocator alloc();

    /** An answer's head, body chunk or whole answer as HTTP/1.1 objects; flushed by {@link #flush()}. */
    ChannelFuture write(Object msg);

    ChannelFuture writeAndFlush(Object msg);

    void flush();

    /** The client may send more of its request: the next messages arrive at the frontend when it has them. */
    void read();

    /** Whether an answer's next write would go out now, not wait behind a slow reader (or its HTTP/2 window). */
    boolean isWritable();

    /** Where an ordinary answer goes as the backend's bytes; null once a tunnel replaced HTTP. */
    ClientBytes bytes();

    /** Ends this client at once: the connection closes, or the stream is reset. */
    void close();

    /** Ends this client once everything written so far has gone out (a {@code Connection: close} answer). */
    void closeAfterAnswer();

    /**
     * Ends this client after {@code answered}, when the client may still be sending a request body the gateway will
     * not read: without a reset that could destroy the answer before the client reads it.
     */
    void closeWhileUploading(ChannelFuture answered, long lingerMillis);

    /** The client's TCP connection: its addresses, TLS, and PROXY protocol header. */
    Channel connection();

    /** An HTTP/2 stream, one request of a connection that may have many at once. */
    boolean stream();
}
