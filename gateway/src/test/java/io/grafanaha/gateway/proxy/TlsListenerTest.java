package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.TlsConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.TestBackend;
import io.grafanaha.gateway.testing.TestCertificates;
import io.grafanaha.gateway.testing.WebSocketEchoBackend;
import io.grafanaha.gateway.tls.ServerTls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsListenerTest {
    @TempDir
    Path dir;

    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(0, resource);
        return resource;
    }

    private ProxyServer proxy(TestCertificates.Pair pair, TestBackend backend) {
        GatewayConfig config = ConfigFixture.gateway().backend("a", backend.port())
                .tls(new TlsConfig(pair.certFile(), pair.keyFile(), Duration.ofMillis(50))).build();
        return track(new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start());
    }

    private static HttpClient client(SSLContext trust) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trust)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static HttpResponse<String> get(HttpClient client, ProxyServer proxy, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + proxy.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Certificate presented(HttpResponse<?> response) throws Exception {
        return response.sslSession().orElseThrow().getPeerCertificates()[0];
    }

    @Test
    void anHttpsClientGetsTheBackendsAnswerAndGrafanaIsToldHttps() throws Exception {
        TestBackend backend = track(new TestBackend("a"));
        TestCertificates.Pair pair = TestCertificates.create(dir, "gateway");
        ProxyServer proxy = proxy(pair, backend);

        HttpResponse<String> response = get(client(TestCertificates.trusting(pair)), proxy, "/echo");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("name=a");
        assertThat(response.sslSession().orElseThrow().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
        assertThat(backend.lastHeaders().get("X-forwarded-proto")).containsExactly("https");
    }

    @Test
    void tls11IsRefusedWhileTls12IsAccepted() throws Exception {
        TestBackend backend = track(new TestBackend("a"));
        ProxyServer proxy = proxy(TestCertificates.create(dir, "gateway"), backend);
        String target = "127.0.0.1:" + proxy.port();

        // SECLEVEL=0 lets this openssl offer TLS 1.1 at all, so a failure is the gateway's refusal.
        TestCertificates.Result old = TestCertificates.run(dir, "openssl", "s_client", "-connect", target, "-tls1_1",
                "-cipher", "DEFAULT@SECLEVEL=0");
        TestCertificates.Result current = TestCertificates.run(dir, "openssl", "s_client", "-connect", target, "-tls1_2");

        assertThat(old.exitCode()).as(old.output()).isNotZero();
        assertThat(old.output()).contains("alert protocol version").contains("Cipher is (NONE)");
        assertThat(current.exitCode()).as(current.output()).isZero();
        assertThat(current.output()).contains("Protocol  : TLSv1.2").doesNotContain("Cipher is (NONE)");
    }

    @Test
    void replacedCertificateIsUsedForNewHandshakesWhileAnOpenConnectionKeepsWorking() throws Exception {
        TestBackend backend = track(new TestBackend("a"));
        Path live = Files.createDirectories(dir.resolve("live"));
        TestCertificates.Pair first = TestCertificates.create(Files.createDirectories(dir.resolve("first")), "first");
        TestCertificates.Pair second = TestCertificates.create(Files.createDirectories(dir.resolve("second")), "second");
        TestCertificates.Pair files = new TestCertificates.Pair(live.resolve("tls.crt"), live.resolve("tls.key"));
        install(first, files);
        ProxyServer proxy = proxy(files, backend);
        SSLContext trustsBoth = TestCertificates.trusting(first, second);
        HttpClient keptAlive = client(trustsBoth);
        assertThat(presented(get(keptAlive, proxy, "/echo"))).isEqualTo(first.certificate());

        install(second, files);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(presented(get(client(trustsBoth), proxy, "/echo"))).isEqualTo(second.certificate()));
        HttpResponse<String> again = get(keptAlive, proxy, "/echo");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(presented(again)).as("the connection opened before the swap").isEqualTo(first.certificate());
    }

    @Test
    void aWebSocketThroughTlsKeepsWorkingAcrossACertificateSwap() throws Exception {
        WebSocketEchoBackend live = track(new WebSocketEchoBackend());
        Path dirLive = Files.createDirectories(dir.resolve("live"));
        TestCertificates.Pair first = TestCertificates.create(Files.createDirectories(dir.resolve("first")), "first");
        TestCertificates.Pair second = TestCertificates.create(Files.createDirectories(dir.resolve("second")), "second");
        TestCertificates.Pair files = new TestCertificates.Pair(dirLive.resolve("tls.crt"), dirLive.resolve("tls.key"));
        install(first, files);
        GatewayConfig config = ConfigFixture.gateway().backend("live", live.port())
                .tls(new TlsConfig(files.certFile(), files.keyFile(), Duration.ofMillis(50))).build();
        ProxyServer proxy = track(new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start());
        SSLContext trustsBoth = TestCertificates.trusting(first, second);
        WebSocketTunnelTest.Recorder recorder = new WebSocketTunnelTest.Recorder();
        WebSocket ws = client(trustsBoth).newWebSocketBuilder()
                .buildAsync(URI.create("wss://127.0.0.1:" + proxy.port() + "/api/live/ws"), recorder).join();
        ws.sendText("before", true).join();
        assertThat(recorder.messages.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:before");

        install(second, files);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(presented(get(client(trustsBoth), proxy, "/"))).isEqualTo(second.certificate()));

        ws.sendText("after", true).join();
        assertThat(recorder.messages.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:after");
        assertThat(live.handshakeHeaders().get("X-Forwarded-Proto")).isEqualTo("https");
    }

    @Test
    void aBrokenReplacementIsRefusedAndTheOldCertificateStays() throws Exception {
        TestBackend backend = track(new TestBackend("a"));
        Path live = Files.createDirectories(dir.resolve("live"));
        TestCertificates.Pair first = TestCertificates.create(Files.createDirectories(dir.resolve("first")), "first");
        TestCertificates.Pair other = TestCertificates.create(Files.createDirectories(dir.resolve("other")), "other");
        TestCertificates.Pair files = new TestCertificates.Pair(live.resolve("tls.crt"), live.resolve("tls.key"));
        install(first, files);
        ProxyServer proxy = proxy(files, backend);
        ServerTls tls = proxy.tls().orElseThrow();

        // A new certificate whose key never arrives: the pair does not match.
        Files.copy(other.certFile(), files.certFile(), StandardCopyOption.REPLACE_EXISTING);
        assertThat(tls.reloadIfChanged()).isFalse();

        HttpResponse<String> response = get(client(TestCertificates.trusting(first)), proxy, "/echo");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(presented(response)).isEqualTo(first.certificate());
    }

    private static void install(TestCertificates.Pair from, TestCertificates.Pair to) throws Exception {
        Files.copy(from.keyFile(), to.keyFile(), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(from.certFile(), to.certFile(), StandardCopyOption.REPLACE_EXISTING);
    }
}
