package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without a shared database each Grafana numbers dashboards and counts versions on its own: the same Git-synced
 * dashboard has id 3, version 3 on the primary and id 1, version 1 on the replica here. A user who loaded it from one
 * instance and saves it (with the body Grafana's UI sends: {@code dashboard.id}, {@code dashboard.version},
 * {@code overwrite: false}) on another, after a failover or a round-robin hop, is saved as if there were one Grafana;
 * a real conflicting edit made meanwhile still gets Grafana's 412.
 */
class FailoverSaveTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CPU_FILE = "shared/team-a/cpu.json";

    @TempDir
    Path dir;

    private Rig rig;
    private RemoteRepo repo;
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private Gateway gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void aDashboardLoadedFromThePrimaryIsSavedOnTheReplicaAfterAFailoverAndReachesGitAndBothInstances() throws Exception {
        start("failover");
        JsonNode loaded = load();
        assertThat(loaded.path("dashboard").path("id").asLong()).as("the primary's own id").isEqualTo(idOn(a));
        assertThat(idOn(a)).isNotEqualTo(idOn(b));

        a.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.active().equals(java.util.Optional.of(Rig.REPLICA)));
        HttpResponse<String> saved = save(loaded, "CPU after failover");

        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(saved.body());
        assertThat(answer.path("id").asLong()).as("the replica's id, for the UI's next save").isEqualTo(idOn(b));
        assertThat(answer.path("version").asInt()).isEqualTo(b.dashboard("cpu").orElseThrow().version());
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU after failover");
        await().atMost(Duration.ofSeconds(15)).until(() -> repo.readFile("main", CPU_FILE).orElse("").contains("CPU after failover"));
        a.restart();
        await().atMost(Duration.ofSeconds(15)).until(() -> a.dashboard("cpu").orElseThrow().title().equals("CPU after failover"));
    }

    @Test
    void aConflictingEditMadeOnTheReplicaMeanwhileStillGetsGrafanas412() throws Exception {
        start("failover");
        JsonNode loaded = load();
        a.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.active().equals(java.util.Optional.of(Rig.REPLICA)));
        ObjectNode theirs = b.dashboard("cpu").orElseThrow().json();
        theirs.put("title", "CPU (someone else's edit)");
        b.putDashboard(theirs, b.dashboard("cpu").orElseThrow().folderUid());
        long postsBefore = b.requestCount("/api/dashboards/db");

        HttpResponse<String> refused = save(loaded, "CPU (my edit)");

        assertThat(refused.statusCode()).isEqualTo(412);
        assertThat(refused.body()).isEqualTo("{\"status\":\"version-mismatch\",\"message\":\"The dashboard has been changed by someone else\"}");
        assertThat(b.requestCount("/api/dashboards/db")).as("never forwarded").isEqualTo(postsBefore);
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU (someone else's edit)");
    }

    @Test
    void inLoadBalanceModeASaveOnEachRoundRobinHopSucceeds() throws Exception {
        start("load-balance");
        JsonNode current = load();
        Set<String> servedBy = new HashSet<>();
        for (int i = 1; i <= 4; i++) {
            String title = "CPU, edit " + i;
            HttpResponse<String> saved = save(current, title);
            assertThat(saved.statusCode()).as("save %d: %s", i, saved.body()).isEqualTo(200);
            servedBy.add(saved.headers().firstValue(GrafanaEmulator.NAME_HEADER).orElse("?"));
            // The UI keeps what the save answered for its next save.
            ObjectNode next = current.deepCopy();
            JsonNode answer = JSON.readTree(saved.body());
            ((ObjectNode) next.get("dashboard")).put("title", title).put("id", answer.path("id").asLong())
                    .put("version", answer.path("version").asInt());
            current = next;
            // A person's pace: the write-back and the sync have carried the save to the other instance.
            await().atMost(Duration.ofSeconds(15)).until(() -> a.dashboard("cpu").orElseThrow().title().equals(title)
                    && b.dashboard("cpu").orElseThrow().title().equals(title));
        }
        assertThat(servedBy).containsExactlyInAnyOrder(Rig.PRIMARY, Rig.REPLICA);
        assertThat(repo.readFile("main", CPU_FILE).orElseThrow()).contains("CPU, edit 4");
    }

    private void start(String mode) {
        rig = DivergedCopies.start(dir, mode, "");
        repo = rig.repo();
        a = rig.a();
        b = rig.b();
        gateway = rig.gateway();
    }

    private long idOn(GrafanaEmulator grafana) {
        return grafana.dashboard("cpu").orElseThrow().id();
    }

    /** {@code GET /api/dashboards/uid/cpu} through the front door, as the UI opens a dashboard. */
    private JsonNode load() throws Exception {
        HttpResponse<String> response = http.send(request("/api/dashboards/uid/cpu").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** The save Grafana's UI sends: the dashboard as loaded (its id and version), retitled; the folder; no overwrite. */
    private HttpResponse<String> save(JsonNode loaded, String title) throws Exception {
        return http.send(request("/api/dashboards/db").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(DivergedCopies.saveBody(loaded, title, false))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        return DivergedCopies.request(gateway, path);
    }
}
