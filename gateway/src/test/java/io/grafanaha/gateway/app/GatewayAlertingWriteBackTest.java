package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.sync.SyncService;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An alert rule edited through the gateway's front door reaches Git at once (not at the next poll round, an hour
 * away here) and the other Grafana through the sync, and later full passes leave it as the user made it.
 */
class GatewayAlertingWriteBackTest {
    private static final String CPU = """
            {"uid": "cpu", "title": "CPU", "tags": [], "schemaVersion": 39, "panels": []}
            """;
    private static final String RULES = """
            apiVersion: 1
            groups:
              - orgId: 1
                name: cpu-alerts
                folder: team-a
                interval: 1m
                rules:
                  - uid: r1
                    title: CPU down
                    condition: A
                    data:
                      - refId: A
                        relativeTimeRange: {from: 600, to: 0}
                        datasourceUid: prom
                        model: {expr: "up == 0", refId: A}
                    noDataState: NoData
                    execErrState: Error
                    for: 5m
                    labels: {team: a}
            """;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Rig rig;
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private Gateway gateway;
    private SyncService sync;

    @BeforeEach
    void start() throws Exception {
        rig = Rig.builder(dir).seedFiles(Map.of("team-a/cpu.json", CPU, "alerting/rules.yaml", RULES))
                .syncSettings("interval: 1h\npoll-interval: 1h\n").start();
        a = rig.a();
        b = rig.b();
        gateway = rig.startGateway();
        sync = gateway.sync().orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> rig.isUp("grafana-a") && rig.isUp("grafana-b"));
        sync.requestSync("test").get();
        assertThat(b.resources().alertRules()).containsKey("r1");
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    @Test
    void aRuleEditedThroughTheGatewayReachesGitAndTheOtherGrafanaAndStays() throws Exception {
        String path = "/api/v1/provisioning/folder/" + a.dashboard("cpu").orElseThrow().folderUid()
                + "/rule-groups/cpu-alerts";
        int drift = sync.status().backends().get("grafana-a").drift();
        ObjectNode group = (ObjectNode) call("GET", path, null);
        ((ObjectNode) group.path("rules").get(0)).put("title", "CPU is down");

        call("PUT", path, group);

        await().atMost(Duration.ofSeconds(15)).until(() -> rig.repo().readFile("main", "shared/alerting/rules.yaml")
                .orElse("").contains("CPU is down"));
        await().atMost(Duration.ofSeconds(15)).until(() -> b.resources().alertRules().get("r1").path("title")
                .asText().equals("CPU is down"));
        sync.requestSync("a full pass").get();
        assertThat(a.resources().alertRules().get("r1").path("title").asText()).isEqualTo("CPU is down");
        assertThat(sync.status().backends().get("grafana-a").drift()).isEqualTo(drift);
        assertThat(sync.planResources().get("grafana-a")).contains("alerting: no changes");
    }

    /** A call through the gateway as Grafana's UI makes it (no provenance: the rule stays editable). */
    private JsonNode call(String method, String path, JsonNode body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json").header("X-Disable-Provenance", "true")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isBetween(200, 299);
        return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }
}
