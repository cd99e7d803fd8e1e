package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.ConfigLoader;
import io.grafanaha.gateway.testing.MutualTlsBackend;
import io.grafanaha.gateway.testing.TestCertificates;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances that both require a client certificate from the same CA; the gateway has one for a only. a is
 * served and healthy; b's checks fail saying it requires a certificate, which also shows a's is never offered to b.
 */
class MutualTlsGatewayTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aBackendWithItsClientCertificateIsServedAndOneWithoutIsDownNamingTheReasonInTheStatus() throws Exception {
        TestCertificates.Pair server = TestCertificates.create(dir, "grafana");
        TestCertificates.Pair client = TestCertificates.create(dir, "gateway-client");
        try (MutualTlsBackend a = new MutualTlsBackend("a", server, client);
             MutualTlsBackend b = new MutualTlsBackend("b", server, client);
             Gateway gateway = Gateway.start(new ConfigLoader(Map.of()).parse("""
                     listen: 127.0.0.1:0
                     admin:
                       listen: 127.0.0.1:0
                     mode: failover
                     backends:
                       - name: a
                         url: https://127.0.0.1:%d
                         role: primary
                         ca-file: %s
                         client-cert-file: %s
                         client-key-file: %s
                       - name: b
                         url: https://127.0.0.1:%d
                         ca-file: %s
                     health:
                       interval: 200ms
                       rise: 1
                     """.formatted(a.port(), server.certFile(), client.certFile(), client.keyFile(), b.port(), server.certFile()),
                     "test"))) {

            await().atMost(Duration.ofSeconds(10)).until(() -> get(gateway.port(), "/api/search").statusCode() == 200);
            assertThat(get(gateway.port(), "/api/search").body()).isEqualTo("name=a");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get(gateway.adminPort(), "/api/status").body())
                    .contains("TLS to backend b failed: the backend requires a client certificate (set client-cert-file and client-key-file)"));
            assertThat(b.hits()).isZero();
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
