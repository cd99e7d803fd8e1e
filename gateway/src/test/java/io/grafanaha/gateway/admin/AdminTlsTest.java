package io.grafanaha.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.TlsConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.TestCertificates;
import io.grafanaha.gateway.tls.ServerTls;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code admin.tls}: the ops listener over TLS with the listener's certificate holder, reloads included. */
class AdminTlsTest {
    @TempDir
    Path dir;

    private AdminServer admin;

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
    }

    private HttpResponse<String> healthz(TestCertificates.Pair... trusted) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(TestCertificates.trusting(trusted)).build();
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + admin.port() + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theAdminListenerServesHttpsOverHttp11AndAReloadNowReachesIt() throws Exception {
        TestCertificates.Pair first = TestCertificates.create(Files.createDirectories(dir.resolve("first")), "first");
        TestCertificates.Pair second = TestCertificates.create(Files.createDirectories(dir.resolve("second")), "second");
        Path live = Files.createDirectories(dir.resolve("live"));
        TestCertificates.Pair files = new TestCertificates.Pair(live.resolve("tls.crt"), live.resolve("tls.key"));
        copy(first, files);
        TlsConfig tls = new TlsConfig(files.certFile(), files.keyFile(), Duration.ofHours(1)); // no polling: reloadNow only
        GatewayConfig config = ConfigFixture.gateway().backend("a", 1).tls(tls).build();
        ServerTls holder = ServerTls.forListen(tls, true);
        admin = new AdminServer(config, ConfigFixture.staticRouter(config), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                .tls(holder).start();

        HttpResponse<String> before = healthz(first, second);
        copy(second, files);
        boolean reloaded = holder.reloadNow();
        HttpResponse<String> after = healthz(first, second);

        assertThat(before.statusCode()).isEqualTo(200);
        assertThat(before.version()).as("the admin API is HTTP/1.1 only, even when ALPN could offer h2").isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(before.sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(first.certificate());
        assertThat(reloaded).isTrue();
        assertThat(after.sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(second.certificate());
    }

    private static void copy(TestCertificates.Pair from, TestCertificates.Pair to) throws Exception {
        Files.copy(from.keyFile(), to.keyFile(), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(from.certFile(), to.certFile(), StandardCopyOption.REPLACE_EXISTING);
    }
}
