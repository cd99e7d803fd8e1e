package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.TestCertificates;
import io.grafanaha.gateway.testing.MutualTlsBackend;
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

/** A backend that requires a client certificate (Grafana behind a verifying TLS front, or mTLS in a mesh). */
class MutualTlsBackendTest {
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

    private HttpResponse<String> get(GatewayConfig config) throws Exception {
        ProxyServer proxy = track(new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start());
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/api/search"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aBackendThatRequiresAClientCertificateIsServedWithTheConfiguredOne() throws Exception {
        TestCertificates.Pair server = TestCertificates.create(dir, "grafana");
        TestCertificates.Pair client = TestCertificates.create(dir, "gateway-client");
        MutualTlsBackend backend = track(new MutualTlsBackend("a", server, client));

        HttpResponse<String> response = get(ConfigFixture.gateway().mtlsBackend("a", backend.port(), server.certFile(), client).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("name=a");
        assertThat(backend.hits()).isEqualTo(1);
    }

    @Test
    void withoutAClientCertificateTheRequestGets502SayingTheBackendRequiresOne() throws Exception {
        TestCertificates.Pair server = TestCertificates.create(dir, "grafana");
        MutualTlsBackend backend = track(new MutualTlsBackend("a", server, TestCertificates.create(dir, "gateway-client")));

        HttpResponse<String> response = get(ConfigFixture.gateway().httpsBackend("a", backend.port(), Optional.of(server.certFile())).build());

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("TLS to backend a failed: the backend requires a client certificate");
        assertThat(backend.hits()).isZero();
    }

    @Test
    void aClientCertificateTheBackendDoesNotTrustGets502SayingItWasRefused() throws Exception {
        TestCertificates.Pair server = TestCertificates.create(dir, "grafana");
        MutualTlsBackend backend = track(new MutualTlsBackend("a", server, TestCertificates.create(dir, "expected-client")));
        TestCertificates.Pair stranger = TestCertificates.create(dir, "stranger");

        HttpResponse<String> response = get(ConfigFixture.gateway().mtlsBackend("a", backend.port(), server.certFile(), stranger).build());

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("TLS to backend a failed: the backend refused the client certificate");
        assertThat(backend.hits()).isZero();
    }
}
