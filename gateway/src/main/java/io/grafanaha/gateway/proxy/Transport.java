package io.grafanaha.gateway.proxy;

import io.grafanaha.gateway.listener.AcceptBackoff;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The I/O transport: native epoll where the platform offers it (fewer copies and system calls), NIO
 * elsewhere. Client and backend channels must come from the same transport so that a backend channel
 * can live on its client channel's event loop.
 */
record Transport(
        String name,
        IoHandlerFactory ioHandlerFactory,
        Class<? extends ServerChannel> serverChannel,
        Class<? extends SocketChannel> socketChannel) {

    /**
     * The buffers of client and backend connections: Netty's pooled allocator, whose per-thread caches serve an
     * event loop's allocations without touching shared state. Netty 4.2's default (the adaptive allocator) cost
     * about 5 % more CPU per proxied 2 KB request on this project's benchmark (bench/README, "Pooled buffers"),
     * for about 13 MB less resident memory.
     */
    static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;

    /** Connections a listener accepts in one pass of its event loop before it serves the others (Netty's default). */
    static final int ACCEPTS_PER_PASS = 16;

    static Transport best() {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        return nio();
    }

    static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    EventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory);
    }

    /**
     * A listening socket's bootstrap on {@code group}, the child handler left to the caller: a backlog of 1,024,
     * {@link AcceptBackoff} when descriptors run out, and up to {@link #ACCEPTS_PER_PASS} accepts per event-loop
     * pass. Netty 4.2's epoll listener otherwise accepts one connection per pass: its accept loop goes on only if
     * "more data may be waiting", which it judges by comparing the accepted descriptor with 1. Under load a pass
     * takes milliseconds, so on this machine a loop serving 20,000 requests a second accepted about 50
     * connections a second, and of 1,000 clients connecting at once about 400 waited 1 to 3 s for their first
     * answer (bench/README, "One accept per pass").
     */
    ServerBootstrap listener(EventLoopGroup group, String name) {
        return new ServerBootstrap()
                .group(group)
                .channel(serverChannel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR,
                        new ServerChannelRecvByteBufAllocator().respectMaybeMoreData(false).maxMessagesPerRead(ACCEPTS_PER_PASS))
                .handler(new AcceptBackoff(name));
    }
}
