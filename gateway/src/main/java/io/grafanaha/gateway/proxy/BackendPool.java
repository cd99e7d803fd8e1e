package io.grafanaha.gateway.proxy;

import io.grafanaha.gateway.config.ProxyConfig;
import io.grafanaha.health.Backend;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keep-alive connections to backends, one pool per event loop. A client connection only ever takes
 * backend connections from its own loop, so the two channels share a thread: no locks, no handoff
 * (Netty's proxy example and Zuul do the same). The per-loop maps are touched only by their loop.
 */
final class BackendPool {
    private final Transport transport;
    private final ProxyConfig timeouts;
    private final int maxIdlePerBackend;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger idle = new AtomicInteger();
    private final Map<EventLoop, Map<String, ArrayDeque<Channel>>> idleByLoop = new ConcurrentHashMap<>();

    BackendPool(Transport transport, ProxyConfig timeouts, int maxIdlePerBackend) {
        this.transport = transport;
        this.timeouts = timeouts;
        this.maxIdlePerBackend = maxIdlePerBackend;
    }

    /** A connected channel to {@code backend} on {@code loop}: a pooled one if any is alive, else a new one. */
    Future<Channel> acquire(EventLoop loop, Backend backend) {
        ArrayDeque<Channel> queue = idleQueue(loop, backend);
        Channel pooled;
        while ((pooled = queue.pollFirst()) != null) {
            idle.decrementAndGet();
            if (pooled.isActive()) {
                return loop.newSucceededFuture(pooled);
            }
            pooled.close();
        }
        return connect(loop, backend, queue);
    }

    /** A new connection, bypassing idle ones (which may share the fate of a connection that just failed). */
    Future<Channel> acquireFresh(EventLoop loop, Backend backend) {
        return connect(loop, backend, idleQueue(loop, backend));
    }

    private Future<Channel> connect(EventLoop loop, Backend backend, ArrayDeque<Channel> queue) {
        ChannelFuture connect = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeouts.connectTimeout().toMillis()))
                .handler(new BackendInitializer(timeouts.idleTimeout()))
                .connect(backend.host(), backend.port());
        Channel channel = connect.channel();
        open.incrementAndGet();
        channel.closeFuture().addListener(f -> {
            open.decrementAndGet();
            if (queue.remove(channel)) {
                idle.decrementAndGet();
            }
        });
        Promise<Channel> result = loop.newPromise();
        connect.addListener(f -> {
            if (f.isSuccess()) {
                result.setSuccess(channel);
            } else {
                result.setFailure(f.cause());
            }
        });
        return result;
    }

    /** Returns a channel whose last exchange ended cleanly; it is closed instead if the pool is full. */
    void release(Channel channel, Backend backend) {
        ArrayDeque<Channel> queue = idleQueue(channel.eventLoop(), backend);
        if (!channel.isActive() || queue.size() >= maxIdlePerBackend) {
            channel.close();
            return;
        }
        queue.addFirst(channel);
        idle.incrementAndGet();
        // Reading while idle is how a close by the backend (or stray bytes) is noticed before reuse.
        channel.read();
    }

    int openConnections() {
        return open.get();
    }

    int idleConnections() {
        return idle.get();
    }

    int maxIdlePerBackend() {
        return maxIdlePerBackend;
    }

    private ArrayDeque<Channel> idleQueue(EventLoop loop, Backend backend) {
        return idleByLoop.computeIfAbsent(loop, l -> new HashMap<>())
                .computeIfAbsent(backend.name(), n -> new ArrayDeque<>());
    }
}
