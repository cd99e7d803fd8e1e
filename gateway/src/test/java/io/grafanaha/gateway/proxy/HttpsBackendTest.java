package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.TestCertificates;
import io.grafanaha.gateway.testing.TlsBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpsBackendTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
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

    private ProxyServer proxy(GatewayConfig config) {
        return track(new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start());
    }

    private HttpResponse<String> get(ProxyServer proxy, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anHttpsBackendSignedByItsCaFileServesThroughTheProxyOnReusedConnections() throws Exception {
        TestCertificates.Pair pair = TestCertificates.create(dir, "grafana");
        TlsBackend backend = track(new TlsBackend("a", pair));
        ProxyServer proxy = proxy(ConfigFixture.gateway().httpsBackend("a", backend.port(), Optional.of(pair.certFile())).build());

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = get(proxy, "/api/search");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("name=a");
        }
        assertThat(backend.hits()).isEqualTo(3);
        assertThat(proxy.openBackendConnections()).isEqualTo(1);
    }

    @Test
    void anUntrustedBackendCertificateGets502NamingTheBackendAndNoRequestReachesIt() throws Exception {
        TlsBackend backend = track(new TlsBackend("a", TestCertificates.create(dir, "self-signed")));
        ProxyServer proxy = proxy(ConfigFixture.gateway().httpsBackend("a", backend.port(), Optional.empty()).build());

        HttpResponse<String> response = get(proxy, "/api/search");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("TLS to backend a failed").contains("PKIX");
        assertThat(backend.hits()).isZero();
    }

    @Test
    void aBackendCertificateForAnotherHostIsRefusedEvenWhenItsCaIsTrusted() throws Exception {
        TestCertificates.Pair elsewhere = TestCertificates.create(dir, "elsewhere", "DNS:grafana.example.com");
        TlsBackend backend = track(new TlsBackend("a", elsewhere));
        ProxyServer proxy = proxy(ConfigFixture.gateway().httpsBackend("a", backend.port(), Optional.of(elsewhere.certFile())).build());

        HttpResponse<String> response = get(proxy, "/api/search");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("TLS to backend a failed").contains("127.0.0.1");
        assertThat(backend.hits()).isZero();
    }
}
