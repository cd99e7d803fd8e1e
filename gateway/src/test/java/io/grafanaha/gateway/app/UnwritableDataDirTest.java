package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.ConfigLoader;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory the gateway cannot write at start (here a file stands where the directory should be,
 * which stops root as well as any other user) breaks the sync, not the front door: users are served,
 * and the status and the sync metrics say the sync is broken and why.
 */
class UnwritableDataDirTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theFrontDoorServesAndTheStatusReportsTheSyncAsBroken() throws Exception {
        Path blocker = Files.writeString(dir.resolve("not-a-directory"), "a file where the data directory should go");
        Path dataDir = blocker.resolve("data");
        try (GrafanaEmulator a = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a").token("tok-a"));
             Gateway gateway = Gateway.start(new ConfigLoader(Map.of()).parse("""
                     listen: 127.0.0.1:0
                     admin:
                       listen: 127.0.0.1:0
                     mode: failover
                     backends:
                       - name: grafana-a
                         url: %s
                         role: primary
                         api-token: tok-a
                     health:
                       interval: 200ms
                       rise: 1
                     failback:
                       require-sync: false
                     sync:
                       repository: https://git.example.org/ops/grafana-manifests.git
                       data-dir: %s
                     """.formatted(a.url(), dataDir), "test"))) {

            await().atMost(Duration.ofSeconds(10)).until(() -> get(gateway.port(), "/api/health").statusCode() == 200);
            HttpResponse<String> status = get(gateway.adminPort(), "/api/status");
            HttpResponse<String> metrics = get(gateway.adminPort(), "/metrics");

            assertThat(status.body()).contains("\"lastError\":\"sync.data-dir " + dataDir);
            assertThat(status.body()).contains("\"fresh\":false");
            assertThat(metrics.body()).contains("gateway_sync_fresh{backend=\"grafana-a\"} 0.0");
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
