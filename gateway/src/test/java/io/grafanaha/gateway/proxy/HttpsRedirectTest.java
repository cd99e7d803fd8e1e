package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.HostPort;
import io.grafanaha.gateway.config.TlsConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.TestBackend;
import io.grafanaha.gateway.testing.TestCertificates;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpsRedirectTest {
    @TempDir
    Path dir;

    private TestBackend backend;
    private ProxyServer proxy;
    private TestCertificates.Pair pair;
    private int redirectPort;

    @BeforeEach
    void start() {
        backend = new TestBackend("a");
        pair = TestCertificates.create(dir, "gateway");
        GatewayConfig config = ConfigFixture.gateway().backend("a", backend.port())
                .tls(new TlsConfig(pair.certFile(), pair.keyFile(), Duration.ofSeconds(5), Optional.of(new HostPort("127.0.0.1", 0))))
                .build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();
        redirectPort = proxy.redirectAddress().orElseThrow().getPort();
    }

    @AfterEach
    void stop() {
        proxy.shutdown(Duration.ZERO);
        backend.close();
    }

    @Test
    void everyPlainRequestIsRedirectedWith308ToTheSameHostAndPathOnTheHttpsPort() throws Exception {
        HttpClient plain = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

        HttpResponse<String> get = plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + redirectPort + "/d/abc?orgId=1")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> health = plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + redirectPort + "/api/health")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(get.statusCode()).isEqualTo(308);
        assertThat(get.headers().firstValue("location")).contains("https://127.0.0.1:" + proxy.port() + "/d/abc?orgId=1");
        assertThat(health.statusCode()).isEqualTo(308);
        assertThat(backend.totalHits()).isZero();
    }

    @Test
    void aClientFollowingTheRedirectKeepsItsMethodAndBodyAndReachesGrafanaOverHttps() throws Exception {
        HttpClient following = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.ALWAYS)
                .sslContext(TestCertificates.trusting(pair)).build();

        HttpResponse<String> r = following.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + redirectPort + "/upload"))
                .POST(HttpRequest.BodyPublishers.ofString("hello")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.uri().getScheme()).isEqualTo("https");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("bytes=5 ");
    }

    @Test
    void aHostHeaderThatIsNotAHostGetsNoRedirect() {
        assertThat(HttpsRedirect.location("grafana.example", "/x", 443)).isEqualTo("https://grafana.example/x");
        assertThat(HttpsRedirect.location("grafana.example:80", "/x", 8443)).isEqualTo("https://grafana.example:8443/x");
        assertThat(HttpsRedirect.location("[::1]:80", "/", 8443)).isEqualTo("https://[::1]:8443/");
        assertThat(HttpsRedirect.location("evil.example/path", "/x", 443)).isNull();
        assertThat(HttpsRedirect.location("a@evil.example", "/x", 443)).isNull();
        assertThat(HttpsRedirect.location(null, "/x", 443)).isNull();
        assertThat(HttpsRedirect.location("grafana.example", "http://other/x", 443)).isEqualTo("https://grafana.example/");
    }
}
