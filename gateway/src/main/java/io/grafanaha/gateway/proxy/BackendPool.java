package io.grafanaha.gateway.proxy;

import io.grafanaha.gateway.config.ProxyConfig;
import io.grafanaha.gateway.tls.BackendTls;
import io.grafanaha.health.Backend;
import io.grafanaha.health.check.TlsFailure;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelGroupFuture;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keep-alive connections to backends, one pool per event loop. A client connection only ever takes
 * backend connections from its own loop, so the two channels share a thread: no locks, no handoff
 * (Netty's proxy example and Zuul do the same). The per-loop state is touched only by its loop.
 *
 * <p>How many idle connections a loop keeps per backend follows the clients it serves: an HTTP/1.1 client
 * has at most one request in flight, so it counts once; an HTTP/2 client counts as many times as it has had
 * streams open at once ({@link Http2Stage}). A loop never needs more backend connections than that, and
 * keeping that many means a crowd of keep-alive clients reuses the connections of its first round instead of
 * opening new ones every round (a fixed cap made a cliff above it). Idle ones beyond today's need go with
 * {@code proxy.idle-timeout}. {@code minIdlePerBackend} is kept even for few clients.
 */
final class BackendPool {
    private static final Logger log = LoggerFactory.getLogger(BackendPool.class);

    private final Transport transport;
    /** Replaced by a reload: connections opened from then on use the new timeouts and backend TLS. */
    private volatile ProxyConfig timeouts;
    private final int minIdlePerBackend;
    /**
     * Every backend connection still open (a channel leaves it as it closes), so a shutdown can close them itself:
     * an event loop group that terminates was seen to leave one open now and then, and Grafana kept the socket.
     */
    private final ChannelGroup open = new DefaultChannelGroup("backends", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger idle = new AtomicInteger();
    private final Map<EventLoop, Loop> loops = new ConcurrentHashMap<>();
    /** TLS for the https backends, by name; a backend not in it speaks plain HTTP. */
    private volatile Map<String, BackendTls.ProxyTls> tls;

    /** One event loop's share: its client connections and its idle backend connections by backend name. */
    private static final class Loop {
        int clients;
        final Map<String, ArrayDeque<Channel>> idle = new HashMap<>();
        /**
         * The same queues by backend instance, so a request finds its queue without building the name-and-url key
         * (two strings per request). Instances are the configuration's, so this grows only with reloads.
         */
        final Map<Backend, ArrayDeque<Channel>> byInstance = new IdentityHashMap<>();
    }

    BackendPool(Transport transport, ProxyConfig timeouts, int minIdlePerBackend, Map<String, BackendTls.ProxyTls> tls) {
        this.tls = Map.copyOf(tls);
        this.transport = transport;
        this.timeouts = timeouts;
        this.minIdlePerBackend = minIdlePerBackend;
    }

    /**
     * A reload: new connections use {@code newTimeouts} and {@code newTls}. Idle connections are kept by backend
     * and url, so those to a backend whose url changed are never handed out again and go with the idle timeout.
     */
    void reconfigure(ProxyConfig newTimeouts, Map<String, BackendTls.ProxyTls> newTls) {
        this.tls = Map.copyOf(newTls);
        this.timeouts = newTimeouts;
    }

    /** A client connection on {@code loop} opened; call on that loop. */
    void clientOpened(EventLoop loop) {
        loop(loop).clients++;
    }

    /** A client connection on {@code loop} closed; call on that loop. */
    void clientClosed(EventLoop loop) {
        clientsClosed(loop, 1);
    }

    /** An HTTP/2 client that counted {@code n} times closed; call on that loop. */
    void clientsClosed(EventLoop loop, int n) {
        loop(loop).clients -= n;
    }

    /**
     * An idle connection to {@code backend} on {@code loop} that is still open, taken out of the pool; null when there
     * is none, and then {@link #acquireFresh} connects. Returned as it is, not in a future: the common case (a pooled
     * connection ready) costs no promise and no listener.
     */
    Channel pooled(EventLoop loop, Backend backend) {
        ArrayDeque<Channel> queue = idleQueue(loop, backend);
        Channel pooled;
        while ((pooled = queue.pollFirst()) != null) {
            idle.decrementAndGet();
            if (pooled.isActive()) {
                return pooled;
            }
            pooled.close();
        }
        return null;
    }

    /**
     * A new connection: when none is idle ({@link #pooled}), and for a replay, which bypasses idle ones (they may share
     * the fate of a connection that just failed).
     */
    Future<Channel> acquireFresh(EventLoop loop, Backend backend) {
        return connect(loop, backend, idleQueue(loop, backend));
    }

    private Future<Channel> connect(EventLoop loop, Backend backend, ArrayDeque<Channel> queue) {
        ProxyConfig timeouts = this.timeouts;
        ChannelFuture connect = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOCATOR, Transport.ALLOCATOR)
                .option(ChannelOption.TCP_NODELAY, true)
                // A failed write must not close the channel: a backend that refused an upload (401, 413) and reset
                // has its answer waiting in the receive buffer, and the client should get it (Attempt#send).
                .option(ChannelOption.AUTO_CLOSE, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeouts.connectTimeout().toMillis()))
                .handler(new BackendInitializer(timeouts.idleTimeout(), backend, context(backend)))
                .connect(backend.host(), backend.port());
        Channel channel = connect.channel();
        open.add(channel);
        channel.closeFuture().addListener(f -> {
            if (queue.remove(channel)) {
                idle.decrementAndGet();
            }
        });
        Promise<Channel> result = loop.newPromise();
        connect.addListener(f -> {
            SslHandler handshake = channel.pipeline().get(SslHandler.class);
            if (!f.isSuccess()) {
                result.setFailure(f.cause());
            } else if (handshake == null) {
                result.setSuccess(channel);
            } else {
                // An https backend is ready once its certificate is verified; a bad one fails like a refused connect.
                handshake.handshakeFuture().addListener(h -> {
                    if (h.isSuccess()) {
                        result.setSuccess(channel);
                    } else {
                        channel.close();
                        result.setFailure(new SSLException(tlsFailed(backend, h.cause()), h.cause()));
                    }
                });
            }
        });
        return result;
    }

    /**
     * The message for a TLS failure toward {@code backend}, logged: certificate trouble is configuration, not load,
     * so the log must say which backend and why. Also after the handshake: under TLS 1.3 a backend refuses a missing
     * or untrusted client certificate only once the request is on its way.
     */
    String tlsFailed(Backend backend, Throwable cause) {
        BackendTls.ProxyTls settings = tls.get(backend.name());
        boolean offered = settings != null && settings.clientCertificate();
        String why = "TLS to backend " + backend.name() + " failed: " + TlsFailure.describe(cause, offered).orElse(cause.getMessage());
        log.warn("{} ({})", why, backend.url());
        return why;
    }

    /** Returns a channel whose last exchange ended cleanly; it is closed instead if the pool is full. */
    void release(Channel channel, Backend backend) {
        Loop loop = loop(channel.eventLoop());
        ArrayDeque<Channel> queue = idleQueue(channel.eventLoop(), backend);
        if (!channel.isActive() || queue.size() >= Math.max(minIdlePerBackend, loop.clients)) {
            channel.close();
            return;
        }
        queue.addFirst(channel);
        idle.incrementAndGet();
        // Reading while idle is how a close by the backend (or stray bytes) is noticed before reuse.
        channel.read();
    }

    private SslContext context(Backend backend) {
        BackendTls.ProxyTls settings = tls.get(backend.name());
        return settings == null ? null : settings.context();
    }

    int openConnections() {
        return open.size();
    }

    /** Closes every backend connection, idle or busy: the last step of a shutdown. */
    ChannelGroupFuture closeAll() {
        return open.close();
    }

    int idleConnections() {
        return idle.get();
    }

    private Loop loop(EventLoop loop) {
        return loops.computeIfAbsent(loop, l -> new Loop());
    }

    private static String key(Backend backend) {
        return backend.name() + " " + backend.url();
    }

    private ArrayDeque<Channel> idleQueue(EventLoop loop, Backend backend) {
        Loop share = loop(loop);
        ArrayDeque<Channel> queue = share.byInstance.get(backend);
        if (queue == null) {
            queue = share.idle.computeIfAbsent(key(backend), n -> new ArrayDeque<>());
            share.byInstance.put(backend, queue);
        }
        return queue;
    }
}
