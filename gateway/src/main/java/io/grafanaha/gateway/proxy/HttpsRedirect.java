package io.grafanaha.gateway.proxy;

import io.grafanaha.gateway.config.HostPort;
import io.grafanaha.gateway.config.ProxyConfig;
import io.grafanaha.gateway.listener.ConnectionLimiter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tls.redirect-listen}: a plain listener that answers every request with 308 to the same host and path on the
 * https listener, so {@code http://grafana.example/d/abc} lands on {@code https://grafana.example/d/abc}. 308 (not 301)
 * keeps the method and body of a POST. Nothing is forwarded: {@code /api/health} is redirected too, since answering it
 * here would need a plain path to Grafana, and a load balancer should check the port it sends traffic to (the
 * https one). Each answer closes its connection; the listener runs on the proxy's event loops.
 */
final class HttpsRedirect {
    /** The configuration key of this listener, which names it in logs, errors and its connection cap. */
    static final String KEY = "tls.redirect-listen";
    private static final Logger log = LoggerFactory.getLogger(HttpsRedirect.class);
    /** A Host header that can be put back into a URL as it is: a name, IPv4 or [IPv6], optional port. */
    private static final Pattern HOST = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?");
    private static final long IDLE_SECONDS = 10;

    private HttpsRedirect() {
    }

    /**
     * Binds {@code address} with {@code bootstrap} (see {@link Transport#listener}), its connections capped by
     * {@code proxy.max-connections*} as on {@code listen}; redirects go to {@code httpsPort}.
     */
    static Channel start(HostPort address, int httpsPort, ServerBootstrap bootstrap, ProxyConfig proxy) {
        ConnectionLimiter limiter = new ConnectionLimiter(KEY, ConnectionLimiter.withinDescriptorLimit(proxy.maxConnections()),
                proxy.maxConnectionsPerClient());
        Answer answer = new Answer(httpsPort);
        bootstrap
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("limit", limiter)
                                .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                                .addLast("codec", new HttpServerCodec(4096, 8192, 8192))
                                .addLast("answer", answer);
                    }
                });
        Channel channel;
        try {
            channel = bootstrap.bind(address.toSocketAddress()).syncUninterruptibly().channel();
        } catch (Exception e) { // a failed bind is Netty's undeclared IOException, which the caller would not catch
            throw new IllegalStateException("cannot listen on " + KEY + " " + address + ": " + e.getMessage(), e);
        }
        log.info("redirecting plain HTTP on {} to https port {}", channel.localAddress(), httpsPort);
        return channel;
    }

    /** The https URL for a request, or null without a usable Host header. */
    static String location(String host, String uri, int httpsPort) {
        if (host == null) {
            return null;
        }
        var m = HOST.matcher(host.trim());
        if (!m.matches()) {
            return null;
        }
        String path = uri.startsWith("/") ? uri : "/";
        return "https://" + m.group(1) + (httpsPort == 443 ? "" : ":" + httpsPort) + path;
    }

    @ChannelHandler.Sharable
    private static final class Answer extends ChannelInboundHandlerAdapter {
        private final int httpsPort;

        Answer(int httpsPort) {
            this.httpsPort = httpsPort;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest request) {
                    String location = location(request.headers().get(HttpHeaderNames.HOST), request.uri(), httpsPort);
                    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                            location == null ? HttpResponseStatus.BAD_REQUEST : HttpResponseStatus.PERMANENT_REDIRECT, Unpooled.EMPTY_BUFFER);
                    if (location != null) {
                        response.headers().set(HttpHeaderNames.LOCATION, location);
                    }
                    response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0).set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            ctx.close(); // idle, or anything else: nothing here is worth keeping a connection for
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    static int port(Channel channel) {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }
}
