package io.grafanaha.gateway.proxy;

import io.grafanaha.gateway.config.ProxyConfig.IoTransport;
import io.grafanaha.gateway.listener.AcceptBackoff;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
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
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The I/O transport ({@code proxy.transport}): io_uring where the kernel allows it (requests and completions
 * batched through shared rings: fewer system calls per request), else native epoll (fewer copies and system
 * calls than NIO), else NIO. Client and backend channels must come from the same transport so that a backend channel
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

    /**
     * Whether {@code auto} tries io_uring before epoll: it spent a fifth to a third less CPU per proxied 2 KB request
     * than epoll in the same runs (bench/README, "io_uring instead of epoll").
     */
    static final boolean AUTO_PREFERS_IO_URING = true;

    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    /** The fastest transport this kernel allows. */
    static Transport best() {
        return of(IoTransport.AUTO);
    }

    /**
     * The transport {@code proxy.transport} asks for, or the next best one, with a warning that says why, when the
     * kernel (or a container's seccomp profile) does not offer it.
     */
    static Transport of(IoTransport choice) {
        if (choice == IoTransport.IO_URING || choice == IoTransport.AUTO && AUTO_PREFERS_IO_URING) {
            if (ioUringAvailable()) {
                return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
                        IoUringSocketChannel.class);
            }
            String fallback = Epoll.isAvailable() ? "epoll" : "nio";
            if (choice == IoTransport.IO_URING) {
                log.warn("proxy.transport io_uring is not available here ({}); using {}", IoUring.unavailabilityCause(), fallback);
            } else {
                log.info("io_uring is not available here ({}); using {}", IoUring.unavailabilityCause(), fallback);
            }
        }
        if (choice != IoTransport.NIO) {
            if (Epoll.isAvailable()) {
                return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);
            }
            if (choice == IoTransport.EPOLL) {
                log.warn("proxy.transport epoll is not available here ({}); using nio", Epoll.unavailabilityCause());
            }
        }
        return nio();
    }

    /**
     * Whether io_uring works here. Netty's multishot POLLIN is switched off first (unless the JVM was told
     * otherwise): with it, a connection whose reads are paused (the gateway pauses a client while its upload waits
     * for the backend) and that then sends data and a reset never reported the reset, not even once reads resumed,
     * so the exchange and its backend connection stayed open until a timeout (ConnectionLeakTest). With one-shot
     * polls each resumed read re-arms the poll, which sees the reset.
     */
    private static boolean ioUringAvailable() {
        if (System.getProperty(MULTISHOT_POLL) == null) {
            System.setProperty(MULTISHOT_POLL, "false");
        }
        return IoUring.isAvailable();
    }

    private static final String MULTISHOT_POLL = "io.netty.iouring.pollAddMultishotEnabled";

    static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    EventLoopGroup newGroup(int threads) {
        return new LeastBusyLoops(threads, ioHandlerFactory);
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
