package io.grafanaha.testkit.faults;

import java.net.InetSocketAddress;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * A TCP fault proxy that speaks the part of Toxiproxy's HTTP API that {@code toxiproxy-java} uses, so tests
 * written against {@code ToxiproxyClient} run unchanged here or against a real {@code toxiproxy-server}.
 * The API listens on 127.0.0.1; proxies listen wherever their {@code listen} says.
 */
public final class FaultProxyServer implements AutoCloseable {

    /** The version reported by {@code GET /version}: the Toxiproxy API level this imitates, and who we are. */
    public static final String VERSION = "2.12.0-grafanaha-faultproxy";

    private final EventLoopGroup apiGroup;
    private final EventLoopGroup proxyGroup;
    private final ProxyRegistry registry;
    private final ObjectMapper json = new ObjectMapper();
    private final Channel apiChannel;
    private final int port;

    private FaultProxyServer(int requestedPort) {
        // The API blocks while proxies bind and close, so it must never share a thread with the proxies.
        apiGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("fault-proxy-api", true),
                NioIoHandler.newFactory());
        proxyGroup = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("fault-proxy", true),
                NioIoHandler.newFactory());
        registry = new ProxyRegistry(proxyGroup);
        try {
            apiChannel = new ServerBootstrap()
                    .group(apiGroup)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                    new ApiHandler(registry, json));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", requestedPort))
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            shutdownGroups();
            throw new IllegalStateException("fault proxy API cannot listen on 127.0.0.1:" + requestedPort, e);
        }
        port = ((InetSocketAddress) apiChannel.localAddress()).getPort();
    }

    /** Starts on an ephemeral port of 127.0.0.1. */
    public static FaultProxyServer start() {
        return new FaultProxyServer(0);
    }

    /** Starts on {@code port} of 127.0.0.1 (Toxiproxy's default is 8474). */
    public static FaultProxyServer start(int port) {
        return new FaultProxyServer(port);
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    /** Blocks until the server is closed, for the standalone main. */
    public void awaitClosed() {
        apiChannel.closeFuture().awaitUninterruptibly();
    }

    @Override
    public void close() {
        apiChannel.close().awaitUninterruptibly();
        registry.deleteAll();
        shutdownGroups();
    }

    private void shutdownGroups() {
        apiGroup.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
        proxyGroup.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
}
