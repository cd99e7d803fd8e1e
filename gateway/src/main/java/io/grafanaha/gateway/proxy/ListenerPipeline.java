package io.grafanaha.gateway.proxy;

import io.grafanaha.gateway.config.ProxyConfig;
import io.grafanaha.gateway.listener.ConnectionLimiter;
import io.grafanaha.gateway.listener.ProxyProtocol;
import io.grafanaha.gateway.listener.RequestHeadDeadline;
import io.grafanaha.gateway.tls.ServerTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A client connection's pipeline on {@code listen}, one method per stage, in the order bytes pass them: connection
 * caps (checked once here, an accepted socket being open already), the PROXY protocol header (with {@code proxy.proxy-protocol}), TLS, idle timeout, then HTTP/1.1 or HTTP/2 ({@link ProtocolSwitch} chooses when both may come). A plain
 * listener without {@code proxy.h2c} installs HTTP/1.1 at once, as before HTTP/2 existed.
 */
final class ListenerPipeline implements ProtocolSwitch.Stages {
    private final Supplier<ProxyContext> context;
    private final ProxyMetrics metrics;
    private final ChannelGroup clients;
    private final ConnectionLimiter limiter;
    private final ProxyProtocol proxyProtocol;
    private final ServerTls serverTls;
    private final LocalRoutes routes;
    private final Http2Stage http2;
    /** Shared by every connection: a close only lowers the gauge. */
    private final ChannelFutureListener clientClosed;

    /**
     * @param context the current settings and shared state: read anew for each connection (idle and head timeouts)
     *     and by each request (a reload replaces it; connections and requests in flight keep theirs)
     */
    ListenerPipeline(Supplier<ProxyContext> context, ProxyMetrics metrics, ChannelGroup clients, ConnectionLimiter limiter,
            ProxyProtocol proxyProtocol, ServerTls serverTls, LocalRoutes routes) {
        this.context = context;
        this.metrics = metrics;
        this.clients = clients;
        this.limiter = limiter;
        this.proxyProtocol = proxyProtocol;
        this.serverTls = serverTls;
        this.routes = routes;
        this.clientClosed = f -> metrics.clientClosed();
        ProxyConfig proxy = context.get().timeouts(); // HTTP/2's limits need a restart (see ConfigDiff)
        this.http2 = new Http2Stage(proxy.http2(), metrics, proxy.shutdownGrace().toMillis(),
                (notes, client) -> new FrontendHandler(context, notes, routes, client), context.get().pool());
    }

    void init(SocketChannel ch) {
        clients.add(ch);
        metrics.clientOpened();
        ch.closeFuture().addListener(clientClosed);
        if (!limiter.admit(ch)) {
            return; // over a cap: closed before any handler was added
        }
        if (proxyProtocol != null && !proxyProtocol.addTo(ch, ProxyServer.PROXY_PROTOCOL, ProxyServer.PROXY_HEADER)) {
            return; // not a trusted proxy: closed
        }
        if (serverTls != null) {
            tls(ch);
        }
        ProxyConfig proxy = context.get().timeouts();
        ch.pipeline().addLast(ProxyServer.IDLE, new IdleStateHandler(0, 0, proxy.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        if (serverTls != null && proxy.http2().enabled()) {
            ch.pipeline().addLast(ProtocolSwitch.NAME, ProtocolSwitch.alpn(this));
        } else if (serverTls == null && proxy.http2().h2c()) {
            ch.pipeline().addLast(ProtocolSwitch.NAME, ProtocolSwitch.priorKnowledge(this));
        } else {
            http1(ch);
        }
    }

    private void tls(SocketChannel ch) {
        ch.pipeline().addLast(ProxyServer.TLS, serverTls.newHandler(ch.alloc()));
    }

    @Override
    public void http1(Channel ch) {
        MethodAwareResponseEncoder encoder = new MethodAwareResponseEncoder();
        RequestHeadDeadline deadline = new RequestHeadDeadline(context.get().timeouts().requestHeadTimeout(), HttpRequestDecoder.class);
        ch.pipeline()
                .addLast(ProxyServer.HEAD_BYTES, deadline.bytes())
                .addLast(ClientBytes.NAME, new Http1ClientBytes(encoder.notes(), deadline))
                .addLast(ProxyServer.DECODER, new StrictRequestDecoder(ProxyServer.MAX_CHUNK))
                .addLast(ProxyServer.ENCODER, encoder)
                .addLast(ProxyServer.HEADS, deadline.heads())
                .addLast(FrontendHandler.NAME, new FrontendHandler(context, encoder.notes(), routes));
    }

    @Override
    public void http2(Channel ch) {
        http2.install(ch);
    }
}
