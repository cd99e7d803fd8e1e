package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.FullHttpRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Many keep-alive clients at once must not make the gateway open backend connections it had and let go. */
class BackendPoolSizeTest {
    private static final int CLIENTS = 512;

    private final EventLoopGroup backendLoops = new NioEventLoopGroup(2);
    private final AtomicInteger accepted = new AtomicInteger();
    /** Requests waiting for an answer; all are answered together once every client has one waiting. */
    private final List<ChannelHandlerContext> waiting = new ArrayList<>();
    private Channel backend;
    private ProxyServer proxy;
    private final List<Socket> clients = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket client : clients) {
            client.close();
        }
        if (proxy != null) {
            proxy.shutdown(Duration.ZERO);
        }
        if (backend != null) {
            backend.close().syncUninterruptibly();
        }
        backendLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /**
     * A keep-alive backend that counts the connections it accepts and answers only when {@link #CLIENTS}
     * requests are waiting, so each round really needs that many backend connections at once.
     */
    private int startBackend() {
        backend = new ServerBootstrap().group(backendLoops).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 2048)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted.incrementAndGet();
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1024),
                                new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                                        answerWhenAllWait(ctx);
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        return ((InetSocketAddress) backend.localAddress()).getPort();
    }

    private void answerWhenAllWait(ChannelHandlerContext ctx) {
        List<ChannelHandlerContext> all;
        synchronized (waiting) {
            waiting.add(ctx);
            if (waiting.size() < CLIENTS) {
                return;
            }
            all = List.copyOf(waiting);
            waiting.clear();
        }
        for (ChannelHandlerContext c : all) {
            FullHttpResponse ok = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII));
            ok.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
            c.writeAndFlush(ok);
        }
    }

    @Test
    void fiveHundredTwelveKeepAliveClientsReuseTheBackendConnectionsOfTheirFirstRound() throws Exception {
        GatewayConfig config = ConfigFixture.gateway().responseTimeout(Duration.ofSeconds(60))
                .backend("a", startBackend()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();
        for (int i = 0; i < CLIENTS; i++) {
            Socket client = new Socket("127.0.0.1", proxy.port());
            client.setSoTimeout(30_000);
            clients.add(client);
        }

        for (int round = 0; round < 3; round++) {
            for (Socket client : clients) {
                client.getOutputStream().write("GET /ok HTTP/1.1\r\nHost: g\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                client.getOutputStream().flush();
            }
            for (Socket client : clients) {
                assertThat(readResponse(client.getInputStream())).startsWith("HTTP/1.1 200").endsWith("ok");
            }
        }

        assertThat(accepted).as("backend connections opened for %d clients in three rounds", CLIENTS).hasValue(CLIENTS);
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openBackendConnections() == CLIENTS);
    }

    /** One response with a Content-Length body, read off a keep-alive connection. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head);
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.US_ASCII);
    }
}
