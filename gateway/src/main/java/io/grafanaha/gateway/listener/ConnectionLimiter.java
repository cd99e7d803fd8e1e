package io.grafanaha.gateway.listener;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the open connections of one listener, in total and per client address. A connection over a cap
 * is closed as soon as it is accepted, before any byte is read: one client (or a thousand slow ones)
 * cannot take every file descriptor, and the other listener, which has its own limiter, stays reachable.
 * Shared by every channel of its listener: either checked once as the connection is set up ({@link #admit}),
 * or as the first handler of each pipeline, which removes itself once the connection is admitted.
 */
@ChannelHandler.Sharable
public final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);
    /** Descriptors left for the JVM, the admin listener, backend pools, Git and logs when the limit is derived. */
    private static final long RESERVED_DESCRIPTORS = 256;
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    private final String listener;
    private final int max;
    private final int perClient;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> byClient = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
    /**
     * One listener for every admitted connection, not a lambda each: the channel caches the remote address read
     * at admission, so its close finds the same client again.
     */
    private final ChannelFutureListener release = f -> release(address(f.channel().remoteAddress()));

    /**
     * @param listener  named in the log line when connections are refused (e.g. {@code listen})
     * @param max       open connections at most
     * @param perClient open connections from one client address at most
     */
    public ConnectionLimiter(String listener, int max, int perClient) {
        if (max < 1 || perClient < 1) {
            throw new IllegalArgumentException("connection caps must be at least 1");
        }
        this.listener = listener;
        this.max = max;
        this.perClient = Math.min(perClient, max);
    }

    /**
     * {@code configured}, lowered so that a listener whose every client connection also holds a backend
     * connection stays within the process's descriptor limit (e.g. {@code ulimit -n 1024}) with room to spare.
     */
    public static int withinDescriptorLimit(int configured) {
        long limit = descriptorLimit();
        if (limit <= 0) {
            return configured;
        }
        long budget = Math.max(16, (limit - RESERVED_DESCRIPTORS) / 2);
        return (int) Math.min(configured, budget);
    }

    private static long descriptorLimit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return -1;
    }

    /** {@code gateway_connections_refused_total{listener}}: connections closed on arrival by a cap. */
    public ConnectionLimiter bindTo(MeterRegistry registry) {
        FunctionCounter.builder("gateway.connections.refused", this, ConnectionLimiter::refused)
                .description("Connections closed as soon as accepted because a connection cap was reached")
                .tag("listener", listener).register(registry);
        return this;
    }

    public int max() {
        return max;
    }

    /** Connections open right now. */
    public int open() {
        return open.get();
    }

    /** Connections closed on arrival because a cap was reached, since start. */
    public long refused() {
        return refused.get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (admit(ctx.channel())) {
            ctx.fireChannelActive();
            ctx.pipeline().remove(this);
        }
    }

    /**
     * Takes a slot for a connection just accepted, given back when it closes; or, over a cap, closes it before
     * any byte is read and returns false. For a pipeline that is set up knowing the connection is already open
     * (an accepted socket is), so that no handler has to sit in it only to leave again.
     */
    public boolean admit(Channel ch) {
        InetAddress client = address(ch.remoteAddress());
        String over = admit(client);
        if (over != null) {
            refused.incrementAndGet();
            logRefusal(client, over);
            ch.close();
            return false;
        }
        ch.closeFuture().addListener(release);
        return true;
    }

    /** Takes a slot, or names the cap that is reached. */
    private String admit(InetAddress client) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            return "max-connections (" + max + ")";
        }
        if (client == null) {
            return null;
        }
        boolean[] admitted = {false};
        byClient.compute(client, (c, n) -> {
            int mine = n == null ? 0 : n;
            if (mine >= perClient) {
                return n;
            }
            admitted[0] = true;
            return mine + 1;
        });
        if (!admitted[0]) {
            open.decrementAndGet();
            return "max-connections-per-client (" + perClient + ")";
        }
        return null;
    }

    private void release(InetAddress client) {
        open.decrementAndGet();
        if (client != null) {
            byClient.computeIfPresent(client, (c, n) -> n <= 1 ? null : n - 1);
        }
    }

    private void logRefusal(InetAddress client, String cap) {
        long now = System.nanoTime();
        long last = lastLog.get();
        // One line per ten seconds at most: a flood of refusals must not become a flood of log lines.
        if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
            log.warn("{}: closing new connections from {} and others: {} reached ({} refused so far)",
                    listener, client == null ? "?" : client.getHostAddress(), cap, refused.get());
        }
    }

    private static InetAddress address(SocketAddress remote) {
        return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }
}
