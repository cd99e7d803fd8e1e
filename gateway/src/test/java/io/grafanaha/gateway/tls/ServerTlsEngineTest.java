package io.grafanaha.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grafanaha.gateway.config.TlsConfig;
import io.grafanaha.gateway.testing.TestCertificates;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCounted;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BoringSSL's native memory goes when the connection or the certificate it belongs to goes, not when a finalizer
 * runs: a gateway with many short TLS connections, or reloading often, would otherwise hold native memory the heap
 * knows nothing about until the next full GC.
 */
class ServerTlsEngineTest {
    @TempDir
    Path dir;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final List<SslHandler> handlers = new CopyOnWriteArrayList<>();

    @BeforeEach
    void boringSslOnly() {
        assumeTrue(OpenSsl.isAvailable(), "BoringSSL is not available here: the JDK provider has no native memory");
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** A bare listener doing only the handshake with {@code tls}; its port. Every handler it made is in {@link #handlers}. */
    private int listen(ServerTls tls) {
        return ((InetSocketAddress) new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler handler = tls.newHandler(ch.alloc());
                        handlers.add(handler);
                        ch.pipeline().addLast(handler);
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel().localAddress()).getPort();
    }

    private static SSLSocket shakeHands(TestCertificates.Pair trusted, int port, TestCertificates.Pair... alsoTrusted)
            throws Exception {
        TestCertificates.Pair[] all = new TestCertificates.Pair[alsoTrusted.length + 1];
        all[0] = trusted;
        System.arraycopy(alsoTrusted, 0, all, 1, alsoTrusted.length);
        SSLSocket socket = (SSLSocket) TestCertificates.trusting(all).getSocketFactory().createSocket("127.0.0.1", port);
        socket.startHandshake();
        return socket;
    }

    private static int refCnt(Object counted) {
        return ((ReferenceCounted) counted).refCnt();
    }

    @Test
    void aConnectionsEngineIsFreedWhenTheConnectionCloses() throws Exception {
        TestCertificates.Pair pair = TestCertificates.create(dir, "gateway");
        ServerTls tls = ServerTls.load(new TlsConfig(pair.certFile(), pair.keyFile(), Duration.ofHours(1)));
        int port = listen(tls);

        try (SSLSocket socket = shakeHands(pair, port)) {
            assertThat(socket.getSession().getPeerCertificates()[0]).isEqualTo(pair.certificate());
            await().atMost(Duration.ofSeconds(10)).until(() -> handlers.size() == 1);
            assertThat(handlers.get(0).engine()).as("freed by its handler, not by a finalizer")
                    .isInstanceOf(ReferenceCounted.class).isNotInstanceOf(OpenSslEngine.class);
            assertThat(refCnt(handlers.get(0).engine())).as("open: the connection holds its engine").isEqualTo(1);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> refCnt(handlers.get(0).engine()) == 0);
    }

    @Test
    void theContextAReloadReplacedIsFreedWhenItsLastConnectionCloses() throws Exception {
        TestCertificates.Pair first = TestCertificates.create(Files.createDirectories(dir.resolve("first")), "first");
        TestCertificates.Pair second = TestCertificates.create(Files.createDirectories(dir.resolve("second")), "second");
        Path live = Files.createDirectories(dir.resolve("live"));
        TestCertificates.Pair files = new TestCertificates.Pair(live.resolve("tls.crt"), live.resolve("tls.key"));
        copy(first, files);
        ServerTls tls = ServerTls.load(new TlsConfig(files.certFile(), files.keyFile(), Duration.ofHours(1)));
        int port = listen(tls);
        SslContext replaced = tls.currentContext();

        try (SSLSocket open = shakeHands(first, port)) {
            copy(second, files);
            assertThat(tls.reloadNow()).isTrue();

            assertThat(refCnt(replaced)).as("a connection still open on the old certificate keeps its context").isPositive();
            try (SSLSocket fresh = shakeHands(second, port)) {
                assertThat(fresh.getSession().getPeerCertificates()[0]).isEqualTo(second.certificate());
            }
            assertThat(open.getSession().getPeerCertificates()[0]).isEqualTo(first.certificate());
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> refCnt(replaced) == 0);
        assertThat(refCnt(tls.currentContext())).as("the context in use stays").isPositive();
    }

    @Test
    void aStoppedGatewaysContextIsFreedWithItsLastConnectionAndNoReloadBuildsAnother() throws Exception {
        TestCertificates.Pair pair = TestCertificates.create(dir, "gateway");
        ServerTls tls = ServerTls.load(new TlsConfig(pair.certFile(), pair.keyFile(), Duration.ofHours(1)));
        int port = listen(tls);
        SslContext context = tls.currentContext();

        try (SSLSocket open = shakeHands(pair, port)) {
            tls.close();
            assertThat(refCnt(context)).as("a connection still open keeps the context").isPositive();
            assertThat(tls.reloadNow()).as("a stopped gateway reloads nothing").isFalse();
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> refCnt(context) == 0);
    }

    private static void copy(TestCertificates.Pair from, TestCertificates.Pair to) throws Exception {
        Files.copy(from.keyFile(), to.keyFile(), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(from.certFile(), to.certFile(), StandardCopyOption.REPLACE_EXISTING);
    }
}
