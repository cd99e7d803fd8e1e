package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.TestCertificates;
import io.grafanaha.gateway.testing.MutualTlsBackend;
import io.grafanaha.gateway.testing.TlsBackend;
import io.grafanaha.health.check.CheckResult;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpsHealthCheckTest {
    @TempDir
    Path dir;

    private static CheckResult check(GatewayConfig config, URI url) throws Exception {
        return Gateway.probe(config).check(url, Duration.ofSeconds(5)).toCompletableFuture().get();
    }

    @Test
    void anHttpsBackendPassesItsCheckWhenItsCaFileSignsItAndFailsWithoutIt() throws Exception {
        TestCertificates.Pair pair = TestCertificates.create(dir, "grafana");
        try (TlsBackend backend = new TlsBackend("a", pair)) {
            URI health = URI.create("https://127.0.0.1:" + backend.port() + "/api/health");
            GatewayConfig trusted = ConfigFixture.gateway().httpsBackend("a", backend.port(), Optional.of(pair.certFile())).build();
            GatewayConfig untrusted = ConfigFixture.gateway().httpsBackend("a", backend.port(), Optional.empty()).build();

            assertThat(check(trusted, health).passed()).isTrue();
            CheckResult refused = check(untrusted, health);
            assertThat(refused.passed()).isFalse();
            assertThat(backend.hits()).isEqualTo(1);
        }
    }

    @Test
    void aBackendThatRequiresAClientCertificatePassesWithTheKeysAndFailsWithoutSayingWhy() throws Exception {
        TestCertificates.Pair server = TestCertificates.create(dir, "grafana");
        TestCertificates.Pair client = TestCertificates.create(dir, "gateway-client");
        try (MutualTlsBackend backend = new MutualTlsBackend("a", server, client)) {
            URI health = URI.create("https://127.0.0.1:" + backend.port() + "/api/health");
            GatewayConfig withKeys = ConfigFixture.gateway().mtlsBackend("a", backend.port(), server.certFile(), client).build();
            GatewayConfig without = ConfigFixture.gateway().httpsBackend("a", backend.port(), Optional.of(server.certFile())).build();

            assertThat(check(withKeys, health).passed()).isTrue();
            CheckResult refused = check(without, health);
            assertThat(refused.passed()).isFalse();
            assertThat(refused.detail()).startsWith("TLS to backend a failed: the backend requires a client certificate");
            assertThat(backend.hits()).isEqualTo(1);
        }
    }

    @Test
    void anUntrustedCertificateFailsTheCheckNamingTheBackendAndTheReason() throws Exception {
        try (TlsBackend backend = new TlsBackend("a", TestCertificates.create(dir, "self-signed"))) {
            URI health = URI.create("https://127.0.0.1:" + backend.port() + "/api/health");
            GatewayConfig untrusted = ConfigFixture.gateway().httpsBackend("a", backend.port(), Optional.empty()).build();

            CheckResult refused = check(untrusted, health);

            assertThat(refused.detail()).startsWith("TLS to backend a failed: the backend's certificate is not trusted "
                    + "(not signed by the JDK's trust store or the backend's ca-file)");
        }
    }

    @Test
    void aCertificateForAnotherHostFailsTheCheckSayingSo() throws Exception {
        TestCertificates.Pair elsewhere = TestCertificates.create(dir, "elsewhere", "DNS:grafana.example.com");
        try (TlsBackend backend = new TlsBackend("a", elsewhere)) {
            URI health = URI.create("https://127.0.0.1:" + backend.port() + "/api/health");
            GatewayConfig trusted = ConfigFixture.gateway().httpsBackend("a", backend.port(), Optional.of(elsewhere.certFile())).build();

            CheckResult refused = check(trusted, health);

            assertThat(refused.detail()).startsWith("TLS to backend a failed: the backend's certificate does not name the host of its url");
            assertThat(backend.hits()).isZero();
        }
    }
}
