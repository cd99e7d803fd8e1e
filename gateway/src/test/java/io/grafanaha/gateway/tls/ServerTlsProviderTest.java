package io.grafanaha.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grafanaha.gateway.config.TlsConfig;
import io.grafanaha.gateway.testing.TestCertificates;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The listener's TLS with each provider: BoringSSL (netty-tcnative) where it loads, and the JDK's as the fallback. */
class ServerTlsProviderTest {
    @TempDir
    Path dir;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** A bare listener doing only the handshake with {@code tls}; its port. */
    private int listen(ServerTls tls) {
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Test
    void boringSslIsTheProviderOnThisPlatform() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64"),
                "the netty-tcnative jar in the build is for linux-x86_64 only");
        assertThat(OpenSsl.isAvailable()).as("netty-tcnative did not load: %s", OpenSsl.unavailabilityCause()).isTrue();
        assertThat(ServerTls.bestProvider()).isEqualTo(SslProvider.OPENSSL_REFCNT);
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL_REFCNT", "JDK"})
    void aClientShakesHandsWithTls13AndAgreesOnH2(SslProvider provider) throws Exception {
        assumeTrue(provider == SslProvider.JDK || OpenSsl.isAvailable(), "BoringSSL is not available here");
        TestCertificates.Pair pair = TestCertificates.create(dir, "gateway");
        ServerTls tls = ServerTls.load(new TlsConfig(pair.certFile(), pair.keyFile(), Duration.ofSeconds(5)), provider, ServerTls.alpn(true));
        int port = listen(tls);

        try (SSLSocket socket = (SSLSocket) TestCertificates.trusting(pair).getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();

            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(socket.getApplicationProtocol()).isEqualTo("h2");
            assertThat(socket.getSession().getPeerCertificates()[0]).isEqualTo(pair.certificate());
        }
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL_REFCNT", "JDK"})
    void aReturningClientResumesItsSession(SslProvider provider) throws Exception {
        assumeTrue(provider == SslProvider.JDK || OpenSsl.isAvailable(), "BoringSSL is not available here");
        TestCertificates.Pair pair = TestCertificates.create(dir, "gateway");
        ServerTls tls = ServerTls.load(new TlsConfig(pair.certFile(), pair.keyFile(), Duration.ofSeconds(5)), provider, ServerTls.alpn(true));
        String target = "127.0.0.1:" + listen(tls);
        Path session = dir.resolve("session.pem");

        // TLS 1.2: the session (ID or ticket) is settled inside the handshake, so s_client's first run always saves it.
        TestCertificates.Result first = TestCertificates.run(dir, "openssl", "s_client", "-connect", target, "-tls1_2",
                "-sess_out", session.toString());
        TestCertificates.Result second = TestCertificates.run(dir, "openssl", "s_client", "-connect", target, "-tls1_2",
                "-sess_in", session.toString());

        assertThat(first.output()).as(first.output()).contains("New, TLSv1.2");
        assertThat(second.output()).as(second.output()).contains("Reused, TLSv1.2");
    }
}
