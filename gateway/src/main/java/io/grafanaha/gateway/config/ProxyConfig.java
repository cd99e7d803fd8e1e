package io.grafanaha.gateway.config;

import java.time.Duration;

/**
 * Data-plane timeouts and limits. {@code responseTimeout} bounds the wait for a backend's response
 * headers (504 after it); {@code idleTimeout} closes keep-alive connections with no traffic; WebSocket
 * tunnels have their own, longer, idle timeout; {@code shutdownGrace} is how long in-flight requests may
 * finish on SIGTERM. {@code requestHeadTimeout} is how long a client may take to send a complete request
 * head once it started one (408 and close after it: slowloris); {@code maxConnections} and
 * {@code maxConnectionsPerClient} cap the open client connections of the public listener, in total and
 * per client address (a connection over a cap is closed at once). {@code trustedProxies} are the proxies in
 * front whose {@code X-Forwarded-*} headers are kept; everyone else's are replaced. With {@code proxyProtocol},
 * every connection must start with a PROXY protocol header (v1 or v2) from one of the trusted proxies, and the
 * address it carries is the client's. {@code http2} is HTTP/2 on the listener and its per-connection limits.
 * {@code transport} is the kernel interface the proxy's sockets use ({@link IoTransport}).
 */
public record ProxyConfig(
        Duration connectTimeout,
        Duration responseTimeout,
        Duration idleTimeout,
        Duration websocketIdleTimeout,
        Duration shutdownGrace,
        Duration requestHeadTimeout,
        int maxConnections,
        int maxConnectionsPerClient,
        TrustedProxies trustedProxies,
        boolean proxyProtocol,
        Http2Config http2,
        IoTransport transport) {

    public static final Duration DEFAULT_REQUEST_HEAD_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 1024;

    /** {@code proxy.transport}: the kernel interface for the proxy's sockets. */
    public enum IoTransport {
        /** The fastest one this kernel allows: io_uring, else epoll, else NIO. */
        AUTO,
        IO_URING,
        EPOLL,
        /** Java's own selector, on any platform. */
        NIO
    }

    /** Every setting but the transport, which is {@link IoTransport#AUTO}. */
    public ProxyConfig(Duration connectTimeout, Duration responseTimeout, Duration idleTimeout, Duration websocketIdleTimeout,
            Duration shutdownGrace, Duration requestHeadTimeout, int maxConnections, int maxConnectionsPerClient,
            TrustedProxies trustedProxies, boolean proxyProtocol, Http2Config http2) {
        this(connectTimeout, responseTimeout, idleTimeout, websocketIdleTimeout, shutdownGrace, requestHeadTimeout,
                maxConnections, maxConnectionsPerClient, trustedProxies, proxyProtocol, http2, IoTransport.AUTO);
    }

    /** Without the PROXY protocol, with HTTP/2's defaults. */
    public ProxyConfig(Duration connectTimeout, Duration responseTimeout, Duration idleTimeout, Duration websocketIdleTimeout,
            Duration shutdownGrace, Duration requestHeadTimeout, int maxConnections, int maxConnectionsPerClient,
            TrustedProxies trustedProxies) {
        this(connectTimeout, responseTimeout, idleTimeout, websocketIdleTimeout, shutdownGrace, requestHeadTimeout,
                maxConnections, maxConnectionsPerClient, trustedProxies, false, Http2Config.DEFAULT);
    }

    /** With HTTP/2's defaults. */
    public ProxyConfig(Duration connectTimeout, Duration responseTimeout, Duration idleTimeout, Duration websocketIdleTimeout,
            Duration shutdownGrace, Duration requestHeadTimeout, int maxConnections, int maxConnectionsPerClient,
            TrustedProxies trustedProxies, boolean proxyProtocol) {
        this(connectTimeout, responseTimeout, idleTimeout, websocketIdleTimeout, shutdownGrace, requestHeadTimeout,
                maxConnections, maxConnectionsPerClient, trustedProxies, proxyProtocol, Http2Config.DEFAULT);
    }

    /** Without the PROXY protocol. */
    public ProxyConfig(Duration connectTimeout, Duration responseTimeout, Duration idleTimeout, Duration websocketIdleTimeout,
            Duration shutdownGrace, Duration requestHeadTimeout, int maxConnections, int maxConnectionsPerClient,
            TrustedProxies trustedProxies, Http2Config http2) {
        this(connectTimeout, responseTimeout, idleTimeout, websocketIdleTimeout, shutdownGrace, requestHeadTimeout,
                maxConnections, maxConnectionsPerClient, trustedProxies, false, http2);
    }

    /** The same settings with other HTTP/2 ones. */
    public ProxyConfig withHttp2(Http2Config http2) {
        return new ProxyConfig(connectTimeout, responseTimeout, idleTimeout, websocketIdleTimeout, shutdownGrace,
                requestHeadTimeout, maxConnections, maxConnectionsPerClient, trustedProxies, proxyProtocol, http2, transport);
    }

    /** The timeouts alone, with the default head deadline and connection caps. */
    public ProxyConfig(Duration connectTimeout, Duration responseTimeout, Duration idleTimeout,
            Duration websocketIdleTimeout, Duration shutdownGrace) {
        this(connectTimeout, responseTimeout, idleTimeout, websocketIdleTimeout, shutdownGrace,
                DEFAULT_REQUEST_HEAD_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
                TrustedProxies.NONE, false, Http2Config.DEFAULT);
    }
}
