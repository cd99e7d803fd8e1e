package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.sync.SyncService;
import io.grafanaha.testkit.git.GitWorkspace;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data sources from Git (sync.datasources: true): by uid on every Grafana, secrets from the environment. */
class GatewayDatasourceSyncTest {
    private static final String CPU = """
            {"uid": "cpu", "title": "CPU", "tags": [], "schemaVersion": 39, "panels": []}
            """;
    private static final String PROMETHEUS = """
            apiVersion: 1
            datasources:
              - name: Prometheus
                type: prometheus
                uid: prom
                access: proxy
                url: %s
                basicAuth: true
                basicAuthUser: grafana
                jsonData:
                  httpMethod: POST
                secureJsonData:
                  basicAuthPassword: ${PROM_PASSWORD}
              - name: Loki
                type: loki
                uid: loki
                url: http://loki:3100
                secureJsonData:
                  httpHeaderValue1: ${LOKI_TOKEN}
            """;

    @TempDir
    Path dir;

    private Rig rig;

    @AfterEach
    void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    private SyncService start(String syncSettings) {
        rig = Rig.builder(dir)
                .seedFiles(Map.of("team-a/cpu.json", CPU,
                        "datasources/prometheus.yaml", PROMETHEUS.formatted("http://prometheus:9090")))
                .environment(Map.of("PROM_PASSWORD", "pr0m-s3cret"))
                .syncSettings("interval: 1h\n" + syncSettings)
                .start();
        SyncService sync = rig.startGateway().sync().orElseThrow();
        // A backend's first "up" asks for a full pass of it: let those come first, so a test's own passes are
        // the last ones (their drift is what the status shows).
        await().atMost(Duration.ofSeconds(30)).until(() -> rig.isUp("grafana-a") && rig.isUp("grafana-b"));
        return sync;
    }

    @Test
    void dataSourcesReachEveryGrafanaByUidWithSecretsFromTheEnvironment() throws Exception {
        SyncService sync = start("datasources: true\n");
        sync.requestSync("test").get();
        for (GrafanaEmulator g : new GrafanaEmulator[] {rig.a(), rig.b()}) {
            assertThat(g.resources().datasources().get("prom").path("url").asText()).isEqualTo("http://prometheus:9090");
            assertThat(g.resources().datasourceSecrets().get("prom").path("basicAuthPassword").asText())
                    .isEqualTo("pr0m-s3cret");
            assertThat(g.resources().datasources()).as("LOKI_TOKEN is not set: skipped").doesNotContainKey("loki");
        }
        assertThat(sync.planResources().get("grafana-a")).contains("datasources: no changes")
                .contains("shared/datasources/prometheus.yaml").contains("LOKI_TOKEN");

        try (GitWorkspace ws = rig.repo().cloneToTemp()) {
            ws.writeFile("shared/datasources/prometheus.yaml", PROMETHEUS.formatted("http://prometheus-2:9090"))
                    .commitAndPush("Move Prometheus");
        }
        sync.requestSync("test").get();
        assertThat(rig.b().resources().datasources().get("prom").path("url").asText())
                .isEqualTo("http://prometheus-2:9090");
        assertThat(rig.b().resources().datasources().get("prom").path("version").asInt()).isEqualTo(2);
    }

    @Test
    void aDataSourceChangedByHandIsReportedAsDriftAndSetBack() throws Exception {
        SyncService sync = start("datasources: true\n");
        sync.requestSync("test").get();
        GrafanaEmulator b = rig.b();
        HttpResponse<String> edit = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(b.url() + "/api/datasources/uid/prom"))
                .header("Authorization", "Bearer " + b.token()).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"name\":\"Prometheus\",\"type\":\"prometheus\","
                        + "\"url\":\"http://elsewhere:9090\",\"basicAuth\":true,\"basicAuthUser\":\"grafana\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(edit.statusCode()).isEqualTo(200);

        sync.requestSync("test").get();
        assertThat(b.resources().datasources().get("prom").path("url").asText()).isEqualTo("http://prometheus:9090");
        assertThat(sync.status().backends().get("grafana-b").drift()).as("the hand edit is reported").isEqualTo(1);
        assertThat(sync.status().backends().get("grafana-a").drift()).isZero();
    }

    @Test
    void dataSourcesAreLeftAloneUnlessConfigured() throws Exception {
        SyncService sync = start("");
        sync.requestSync("test").get();
        assertThat(rig.a().dashboard("cpu")).isPresent();
        assertThat(rig.a().resources().datasources()).isEmpty();
        assertThat(rig.a().dashboards()).as("datasources/ is never read as dashboards").containsOnlyKeys("cpu");
    }
}
