package io.grafanaha.gateway.app;

import io.grafanaha.gateway.demo.Rig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.health.BackendStatus;
import io.grafanaha.testkit.git.GitServer;
import io.grafanaha.testkit.git.GitWorkspace;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wired product: Git into every Grafana, failover, and failback only once the primary holds Git's head. */
class GatewaySyncTest {
    private static final String CPU = """
            {"uid": "cpu", "title": "CPU", "tags": [], "schemaVersion": 39, "panels": []}
            """;

    @TempDir
    Path dir;

    private Rig rig;
    private GitServer git;
    private RemoteRepo repo;
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private Gateway gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        rig = Rig.builder(dir).seedFiles(Map.of("team-a/cpu.json", CPU))
                .settings(Rig.FAST_HEALTH + """
                        failback:
                          hold: 300ms
                        """)
                .syncSettings("""
                        interval: 1h
                        webhook-secret: hook-secret
                        """)
                .start();
        git = rig.git();
        repo = rig.repo();
        a = rig.a();
        b = rig.b();
        gateway = rig.startGateway();
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    @Test
    void everyBackendGetsGitsDashboardsInTheRootFolderTree() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(a.dashboard("cpu")).isPresent();
            assertThat(b.dashboard("cpu")).isPresent();
        });
        String folderUid = a.dashboard("cpu").orElseThrow().folderUid();
        assertThat(b.dashboard("cpu").orElseThrow().folderUid()).as("same folder uid on every backend").isEqualTo(folderUid);
        assertThat(a.folders().get(folderUid).title()).isEqualTo("team-a");
        assertThat(a.folders().get(a.folders().get(folderUid).parentUid()).title()).isEqualTo("grafana-manifests");
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.sync().orElseThrow().isFresh("grafana-a"));
    }

    @Test
    void theRecoveredPrimaryGetsTrafficBackOnlyAfterItHoldsGitsHead() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> active().equals("grafana-a") && gateway.sync().orElseThrow().isFresh("grafana-a"));

        a.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> active().equals("grafana-b"));
        try (GitWorkspace ws = repo.cloneToTemp()) {
            ws.writeFile("shared/team-a/mem.json", CPU.replace("cpu", "mem").replace("CPU", "Memory")).commitAndPush("Add memory dashboard");
        }
        gateway.sync().orElseThrow().requestSync("test").get();
        assertThat(b.dashboard("mem")).as("the serving replica has the new commit").isPresent();
        assertThat(gateway.sync().orElseThrow().isFresh("grafana-a")).isFalse();

        // The primary comes back healthy, but its API fails, so the sync cannot bring it up to date.
        a.inject5xx(500, 1_000_000);
        a.restart();
        await().atMost(Duration.ofSeconds(10)).until(() -> upAndChecked("grafana-a"));
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .until(() -> active().equals("grafana-b") && !gateway.sync().orElseThrow().isFresh("grafana-a"));

        a.inject5xx(500, 0);
        gateway.sync().orElseThrow().requestSync("test").get();
        await().atMost(Duration.ofSeconds(10)).until(() -> active().equals("grafana-a"));
        assertThat(a.dashboard("mem")).as("synced before it got traffic back").isPresent();
        assertThat(get("/api/dashboards/uid/mem").statusCode()).isEqualTo(200);
    }

    @Test
    void aSignedPushWebhookSyncsAtOnceAndABadSignatureChangesNothing() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> a.dashboard("cpu").isPresent() && b.dashboard("cpu").isPresent());
        try (GitWorkspace ws = repo.cloneToTemp()) {
            ws.writeFile("shared/disk.json", CPU.replace("cpu", "disk").replace("CPU", "Disk")).commitAndPush("Add disk dashboard");
        }
        byte[] body = "{\"ref\":\"refs/heads/main\",\"after\":\"0123\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

        HttpResponse<String> forged = webhook(body, "sha256=" + "0".repeat(64));
        assertThat(forged.statusCode()).isEqualTo(401);

        String signature = "sha256=" + java.util.HexFormat.of().formatHex(
                io.grafanaha.sync.webhook.WebhookVerifier.hmacSha256("hook-secret", body));
        HttpResponse<String> signed = webhook(body, signature);
        assertThat(signed.statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.dashboard("disk").isPresent() && b.dashboard("disk").isPresent());
        assertThat(a.requestCount("/_gateway/webhook")).as("the webhook is the gateway's, never Grafana's").isZero();
    }

    private HttpResponse<String> webhook(byte[] body, String signature) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/_gateway/webhook"))
                .header("X-GitHub-Event", "push")
                .header("X-Hub-Signature-256", signature)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String active() {
        return gateway.health().status().backends().stream().filter(BackendStatus::active).map(BackendStatus::name)
                .findFirst().orElse("");
    }

    private boolean upAndChecked(String name) {
        return gateway.health().status().backends().stream()
                .anyMatch(b -> b.name().equals(name) && b.routable());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .header("Authorization", "Bearer " + a.token()).build(), HttpResponse.BodyHandlers.ofString());
    }
}
