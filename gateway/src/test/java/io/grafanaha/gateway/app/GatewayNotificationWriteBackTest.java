package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A contact point and the policy tree edited on one instance through the front door reach Git at once (the gateway
 * sees an alerting write; polling is an hour away) and the other instance, the contact point's secret staying a
 * variable in Git.
 */
class GatewayNotificationWriteBackTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String SECRET = "https://hooks.slack.example/T0/B0/gateway-secret";
    private static final String FILE = "shared/alerting/notifications.yaml";
    private static final String NOTIFICATIONS = """
            apiVersion: 1
            contactPoints:
              - orgId: 1
                name: ops
                receivers:
                  - uid: ops-slack
                    type: slack
                    settings:
                      url: ${SLACK_URL}
                      recipient: "#ops"
            policies:
              - orgId: 1
                receiver: ops
                group_by: [grafana_folder, alertname]
            """;

    @TempDir
    Path dir;

    private Rig rig;
    private RemoteRepo repo;
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private Gateway gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        rig = Rig.builder(dir).seedFiles(Map.of("alerting/notifications.yaml", NOTIFICATIONS,
                        "team-a/cpu.json", EditingRig.CPU))
                .environment(Map.of("SLACK_URL", SECRET))
                .mode("load-balance").settings(Rig.FAST_HEALTH + """
                        routing:
                          sticky-cookie: gw
                        """)
                .syncSettings("interval: 1s\npoll-interval: 1h").start();
        repo = rig.repo();
        a = rig.a();
        b = rig.b();
        gateway = rig.startGateway();
        await().atMost(WAIT).until(() -> a.resources().contactPoints().containsKey("ops-slack")
                && b.resources().contactPoints().containsKey("ops-slack")
                && gateway.health().status().backends().stream().allMatch(s -> s.routable()));
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    @Test
    void aContactPointAndThePolicyTreeEditedThroughTheGatewayReachGitAndTheOtherInstance() throws Exception {
        HttpResponse<String> cp = send("PUT", "/api/v1/provisioning/contact-points/ops-slack", """
                {"name": "ops", "type": "slack", "settings": {"url": "[REDACTED]", "recipient": "#gateway"}}""");
        assertThat(cp.statusCode()).as(cp.body()).isEqualTo(202);
        HttpResponse<String> tree = send("PUT", "/api/v1/provisioning/policies", """
                {"receiver": "ops", "group_by": ["alertname"], "group_wait": "45s"}""");
        assertThat(tree.statusCode()).as(tree.body()).isEqualTo(202);

        await().atMost(WAIT).until(() -> repo.readFile("main", FILE).orElse("").contains("#gateway")
                && repo.readFile("main", FILE).orElse("").contains("group_wait: 45s"));
        assertThat(repo.readFile("main", FILE).orElseThrow()).contains("${SLACK_URL}").doesNotContain(SECRET);
        await().atMost(WAIT).until(() -> b.resources().contactPoints().get("ops-slack").path("settings")
                .path("recipient").asText().equals("#gateway"));
        assertThat(b.resources().contactPoints().get("ops-slack").path("settings").path("url").asText())
                .isEqualTo(SECRET);
        await().atMost(WAIT).until(() -> get(b, "/api/v1/provisioning/policies").contains("45s"));
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(EditingRig.request(gateway.port(), "grafana-a", path)
                .header("Content-Type", "application/json").header("X-Disable-Provenance", "true")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String get(GrafanaEmulator g, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(g.url() + path))
                .header("Authorization", "Bearer " + g.token()).GET().build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
