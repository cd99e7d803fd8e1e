package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.git.GitWorkspace;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sync.scope: instance} through the front door: a dashboard saved in General on the primary is kept in Git and
 * on the replica, so it survives a failover; the deletion guard still holds for General.
 */
class InstanceScopeGatewayTest {
    private static final String HOME = "{\"uid\":\"home\",\"title\":\"Home\",\"schemaVersion\":39,\"panels\":[]}";

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
        rig = Rig.builder(dir).seedFiles(Map.of("home.json", HOME, "team-a/cpu.json", EditingRig.CPU)).mode("failover")
                .settings(Rig.FAST_HEALTH).syncSettings("interval: 1s\npoll-interval: 1s\nscope: instance").start();
        repo = rig.repo();
        a = rig.a();
        b = rig.b();
        gateway = rig.startGateway();
        await().atMost(Duration.ofSeconds(15)).until(() -> a.dashboard("cpu").isPresent() && b.dashboard("home").isPresent()
                && gateway.health().status().backends().stream().allMatch(s -> s.routable()));
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    @Test
    void aDashboardSavedInGeneralOnThePrimaryReachesGitAndTheReplicaAndSurvivesAFailover() throws Exception {
        assertThat(a.dashboard("home").orElseThrow().folderUid()).as("home.json is a General dashboard").isEmpty();
        assertThat(a.folders().values()).as("no root folder named after the repository")
                .noneMatch(f -> f.title().equals(Rig.REPOSITORY));
        String status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort()
                + "/api/status")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(new ObjectMapper().readTree(status).at("/git/kept").asText()).as("the ops page says what is kept")
                .contains("the whole instance, General included");

        HttpResponse<String> created = http.send(request("/api/dashboards/db").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"dashboard": {"title": "Network", "schemaVersion": 39, "panels": []}, "folderUid": "",
                         "overwrite": false}
                        """)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String uid = new ObjectMapper().readTree(created.body()).path("uid").asText();

        await().atMost(Duration.ofSeconds(20)).until(() -> repo.readFile("main", "shared/network.json").isPresent());
        assertThat(repo.readFile("main", "shared/network.json").orElseThrow()).contains(uid);
        await().atMost(Duration.ofSeconds(20)).until(() -> b.dashboard(uid).map(d -> d.folderUid().isEmpty()).orElse(false));

        a.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.active().equals(Optional.of(Rig.REPLICA)));
        HttpResponse<String> loaded = http.send(request("/api/dashboards/uid/" + uid).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(loaded.statusCode()).as("served by the replica after the failover").isEqualTo(200);
        assertThat(loaded.body()).contains("Network");
    }

    @Test
    void removingMostOfGeneralFromGitIsRefusedByTheDeletionGuard() throws Exception {
        String push;
        try (GitWorkspace ws = repo.cloneTo(dir.resolve("ws"))) {
            ws.writeFile("shared/extra.json", "{\"uid\":\"extra\",\"title\":\"Extra\",\"schemaVersion\":39,\"panels\":[]}");
            ws.commitAndPush("add extra");
            await().atMost(Duration.ofSeconds(20)).until(() -> b.dashboard("extra").isPresent());
            ws.deleteFile("shared/home.json").deleteFile("shared/extra.json");
            push = ws.commitAndPush("remove most of General");
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> gateway.sync().orElseThrow().status().backends().get(Rig.REPLICA)
                .lastError().orElse("").contains("sync.max-deletes"));
        assertThat(gateway.sync().orElseThrow().status().git().head()).contains(push);
        assertThat(b.dashboard("home")).isPresent();
        assertThat(b.dashboard("extra")).isPresent();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes()));
    }
}
