package io.grafanaha.gateway.listener;

import io.grafanaha.gateway.config.TrustedProxies;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.AttributeKey;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code proxy.proxy-protocol}: the PROXY protocol (v1 text or v2 binary, as HAProxy, AWS NLB and others send
 * it) at the head of the public listener, for a gateway behind an L4 load balancer that would otherwise hide
 * every client behind its own address. A connection must come from {@code proxy.trusted-proxies} and start with
 * the header; the address the header carries becomes the channel's client address ({@link #client(Channel)}),
 * which X-Real-IP, X-Forwarded-For, rate limits and the access log use. Anything else is closed before a byte
 * of HTTP is read: an untrusted peer could otherwise choose the address Grafana believes.
 * A {@code LOCAL} header (the balancer's own health check) keeps the peer's address.
 */
public final class ProxyProtocol {
    /** Where the header's source address is kept on the channel; absent without the PROXY protocol. */
    public static final AttributeKey<InetSocketAddress> CLIENT = AttributeKey.valueOf("proxy-protocol-client");
    static final String UNTRUSTED = "untrusted";
    static final String INVALID = "invalid";
    private static final Logger log = LoggerFactory.getLogger(ProxyProtocol.class);
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    private final TrustedProxies trusted;
    private final LongSupplier nanoTime;
    private final AtomicLong lastLog;
    private final AtomicLong untrusted = new AtomicLong();
    private final AtomicLong invalid = new AtomicLong();
    private Counter untrustedCounter;
    private Counter invalidCounter;

    public ProxyProtocol(TrustedProxies trusted, LongSupplier nanoTime) {
        this.trusted = trusted;
        this.nanoTime = nanoTime;
        this.lastLog = new AtomicLong(nanoTime.getAsLong() - LOG_EVERY_NANOS);
    }

    /** {@code gateway_proxy_protocol_refused_total{reason}}: {@code untrusted} peers and {@code invalid} (or missing) headers. */
    public ProxyProtocol bindTo(MeterRegistry registry) {
        untrustedCounter = refusedCounter(registry, UNTRUSTED);
        invalidCounter = refusedCounter(registry, INVALID);
        return this;
    }

    private static Counter refusedCounter(MeterRegistry registry, String reason) {
        return Counter.builder("gateway.proxy.protocol.refused")
                .description("Connections closed because the PROXY protocol header came from an untrusted peer or was missing or invalid")
                .tag("reason", reason).register(registry);
    }

    /** The address a client connection speaks for: the PROXY header's source, else the peer. */
    public static InetSocketAddress client(Channel channel) {
        InetSocketAddress proxied = channel.attr(CLIENT).get();
        return proxied != null ? proxied : (InetSocketAddress) channel.remoteAddress();
    }

    /**
     * Adds the stage to a new connection's pipeline under {@code decoderName} and {@code handlerName}. Returns
     * false when the peer is not a trusted proxy: the connection is then being closed and needs nothing more.
     */
    public boolean addTo(Channel channel, String decoderName, String handlerName) {
        SocketAddress peer = channel.remoteAddress();
        InetAddress address = peer instanceof InetSocketAddress inet ? inet.getAddress() : null;
        if (address == null || !trusted.trusts(address)) {
            refused(UNTRUSTED, peer, "is not in proxy.trusted-proxies");
            channel.close();
            return false;
        }
        channel.pipeline().addLast(decoderName, new HAProxyMessageDecoder())
                .addLast(handlerName, new Header());
        return true;
    }

    /** Connections refused since start, for tests: untrusted peers. */
    long untrusted() {
        return untrusted.get();
    }

    /** Connections refused since start, for tests: missing or invalid headers. */
    long invalid() {
        return invalid.get();
    }

    private void refused(String reason, SocketAddress peer, String why) {
        (UNTRUSTED.equals(reason) ? untrusted : invalid).incrementAndGet();
        Counter counter = UNTRUSTED.equals(reason) ? untrustedCounter : invalidCounter;
        if (counter != null) {
            counter.increment();
        }
        long now = nanoTime.getAsLong();
        long last = lastLog.get();
        // One line per ten seconds at most: a scan of the port must not become a flood of log lines.
        if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
            log.warn("listen: PROXY protocol: closing a connection from {}: it {} ({} untrusted, {} invalid refused so far)",
                    peer, why, untrusted.get(), invalid.get());
        }
    }

    /** Takes the decoded header, notes its source address and leaves the pipeline to HTTP. */
    private final class Header extends ChannelInboundHandlerAdapter {
        /** The decoder may report a bad header twice (on the bytes, then on close): one refusal is counted. */
        private boolean refusedOnce;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof HAProxyMessage header)) {
                ReferenceCountUtil.release(msg);
                refused(INVALID, ctx.channel().remoteAddress(), "sent no PROXY protocol header");
                ctx.close();
                return;
            }
            try {
                InetSocketAddress source = source(header);
                if (source != null) {
                    ctx.channel().attr(CLIENT).set(source);
                }
            } finally {
                header.release();
            }
            ctx.pipeline().remove(this);
            ctx.read(); // auto-read is off: the request head may not have arrived with the header
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // The decoder fails on anything that is not a PROXY header, e.g. a request sent straight to the gateway.
            if (refusedOnce) {
                return;
            }
            refusedOnce = true;
            refused(INVALID, ctx.channel().remoteAddress(), "sent no valid PROXY protocol header (" + cause.getMessage() + ")");
            ctx.close();
        }
    }

    private static InetSocketAddress source(HAProxyMessage header) {
        if (header.command() != HAProxyCommand.PROXY || header.sourceAddress() == null) {
            return null;
        }
        HAProxyProxiedProtocol protocol = header.proxiedProtocol();
        if (protocol != HAProxyProxiedProtocol.TCP4 && protocol != HAProxyProxiedProtocol.TCP6) {
            return null;
        }
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
        return address == null ? null : new InetSocketAddress(address, header.sourcePort());
    }
}
