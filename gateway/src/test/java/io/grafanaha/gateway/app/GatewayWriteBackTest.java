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

/** Edits made through the gateway on any instance reach Git and every other instance; stale saves get Grafana's 412. */
class GatewayWriteBackTest {
    @TempDir
    Path dir;

    private Rig rig;
    private RemoteRepo repo;
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private Gateway gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        rig = EditingRig.start(dir, EditingRig.cpuAndMemory(), "1h", "0");
        repo = rig.repo();
        a = rig.a();
        b = rig.b();
        gateway = rig.startGateway();
        await().atMost(Duration.ofSeconds(10)).until(() -> a.dashboard("cpu").isPresent() && b.dashboard("cpu").isPresent()
                && gateway.health().status().backends().stream().allMatch(s -> s.routable()));
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    @Test
    void aSaveOnOneInstanceReachesGitWithOnlyTheChangeAndThenTheOtherInstance() throws Exception {
        long version = a.dashboard("cpu").orElseThrow().version();
        HttpResponse<String> saved = save("grafana-a", "CPU usage", version);
        assertThat(saved.statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> repo.readFile("main", "shared/team-a/cpu.json").orElse("").contains("CPU usage"));
        assertThat(repo.readFile("main", "shared/team-a/cpu.json").orElseThrow())
                .as("same format and key order: only the title changed")
                .isEqualTo(EditingRig.CPU.replace("\"CPU\"", "\"CPU usage\""));
        assertThat(repo.log().get(0).shortMessage()).contains("CPU usage").contains("grafana-a");
        await().atMost(Duration.ofSeconds(10)).until(() -> b.dashboard("cpu").orElseThrow().title().equals("CPU usage"));

        String status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/api/status")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(status).as("the ops timeline shows the write-back and the fan-out")
                .contains("\"type\":\"write-back\",\"backend\":\"grafana-a\"").contains("\"type\":\"sync\",\"backend\":\"grafana-b\"");
    }

    @Test
    void aSaveOnAnInstanceThatHasNotReceivedGitsLatestVersionGetsGrafanasOwn412() throws Exception {
        b.inject5xx(500, 1_000_000); // the fan-out cannot reach grafana-b
        long version = a.dashboard("cpu").orElseThrow().version();
        assertThat(save("grafana-a", "CPU usage", version).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> repo.readFile("main", "shared/team-a/cpu.json").orElse("").contains("CPU usage"));
        // The pushed commit is what the gateway knows as Git's head once its fan-out pass has read it.
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.sync().orElseThrow().status().git().head().equals(repo.head()));
        long postsBefore = b.requestCount("/api/dashboards/db");

        HttpResponse<String> stale = save("grafana-b", "CPU (b's edit)", b.dashboard("cpu").orElseThrow().version());

        assertThat(stale.statusCode()).isEqualTo(412);
        assertThat(stale.body()).isEqualTo("{\"status\":\"version-mismatch\",\"message\":\"The dashboard has been changed by someone else\"}");
        assertThat(b.requestCount("/api/dashboards/db")).as("never forwarded").isEqualTo(postsBefore);
        assertThat(repo.readFile("main", "shared/team-a/cpu.json").orElseThrow()).contains("CPU usage").doesNotContain("b's edit");
    }

    @Test
    void aResourceApiSaveOnAnInstanceThatHasNotReceivedGitsLatestVersionGetsTheResourceApis409() throws Exception {
        b.inject5xx(500, 1_000_000); // the fan-out cannot reach grafana-b
        long version = a.dashboard("cpu").orElseThrow().version();
        assertThat(save("grafana-a", "CPU usage", version).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> repo.readFile("main", "shared/team-a/cpu.json").orElse("").contains("CPU usage"));
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.sync().orElseThrow().status().git().head().equals(repo.head()));
        String path = "/apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards/cpu";
        long before = b.requestCount(path);

        // Grafana 12's UI saves with the resourceVersion it loaded: conditional, so guarded like a legacy save.
        HttpResponse<String> stale = http.send(request("grafana-b", path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"name\":\"cpu\",\"resourceVersion\":\"1\"},"
                        + "\"spec\":{\"uid\":\"cpu\",\"title\":\"CPU (b's edit)\"}}")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(stale.body()).contains("\"kind\":\"Status\"", "\"reason\":\"Conflict\"");
        assertThat(b.requestCount(path)).as("never forwarded").isEqualTo(before);
        assertThat(repo.readFile("main", "shared/team-a/cpu.json").orElseThrow()).contains("CPU usage").doesNotContain("b's edit");
    }

    @Test
    void aDeleteOnOneInstanceRemovesTheFileAndTheDashboardEverywhere() throws Exception {
        HttpResponse<String> deleted = http.send(request("grafana-b", "/api/dashboards/uid/cpu").DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> repo.readFile("main", "shared/team-a/cpu.json").isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> a.dashboard("cpu").isEmpty());
    }

    @Test
    void aNewDashboardInASubFolderLandsAtItsSlugInThatDirectoryAndOnTheOtherInstance() throws Exception {
        String folderUid = a.dashboard("cpu").orElseThrow().folderUid();
        String body = """
                {"dashboard": {"title": "Disk I/O latency", "tags": [], "schemaVersion": 39, "panels": []},
                 "folderUid": "%s", "overwrite": false}
                """.formatted(folderUid);
        HttpResponse<String> created = http.send(request("grafana-b", "/api/dashboards/db").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(200);
        String uid = new com.fasterxml.jackson.databind.ObjectMapper().readTree(created.body()).path("uid").asText();

        await().atMost(Duration.ofSeconds(10)).until(() -> repo.readFile("main", "shared/team-a/disk-i-o-latency.json").isPresent());
        assertThat(repo.readFile("main", "shared/team-a/disk-i-o-latency.json").orElseThrow()).contains(uid).contains("Disk I/O latency")
                .doesNotContain("\"id\"").doesNotContain("\"version\"");
        await().atMost(Duration.ofSeconds(10)).until(() -> a.dashboard(uid).map(d -> d.folderUid().equals(folderUid)).orElse(false));
    }

    private HttpResponse<String> save(String backend, String title, long version) throws Exception {
        String folderUid = a.dashboard("cpu").orElseThrow().folderUid();
        String body = """
                {"dashboard": {"uid": "cpu", "title": "%s", "tags": [], "schemaVersion": 39, "panels": [], "version": %d},
                 "folderUid": "%s", "overwrite": false, "message": "tuned"}
                """.formatted(title, version, folderUid);
        return http.send(request(backend, "/api/dashboards/db").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Through the gateway, pinned to one backend by the affinity cookie, as a browser session would be. */
    private HttpRequest.Builder request(String backend, String path) {
        return EditingRig.request(gateway.port(), backend, path);
    }
}
