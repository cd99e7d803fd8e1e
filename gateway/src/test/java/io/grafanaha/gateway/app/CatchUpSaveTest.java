package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The primary acknowledges a save and dies before the sync has carried it to the replica (here Git is down, so the
 * save stays in the write-back's journal). A user who loaded that version, or kept the save's answer, and saves
 * again on the replica started from content the replica does not hold yet: the gateway brings the replica up to it
 * first and the save succeeds, where it used to get a 412 nobody caused; a page loaded there after the failover
 * shows that save, where it used to show the version before it. Starting from anything older, or with
 * someone else's edit on the replica meanwhile, is a real conflict and still gets Grafana's 412.
 */
class CatchUpSaveTest {
    private static final ObjectMapper JSON = DivergedCopies.JSON;
    private static final String CPU_FILE = DivergedCopies.CPU_FILE;
    private static final String SAVE = "/api/dashboards/db";
    private static final String MISMATCH = "{\"status\":\"version-mismatch\",\"message\":\"The dashboard has been changed by someone else\"}";

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
    void theNextSaveAfterASaveTheDeadPrimaryAcknowledgedSucceedsOnTheReplicaAndReachesGitAndBothInstances() throws Exception {
        start();
        JsonNode loaded = load();
        JsonNode first = savedOnThePrimaryThenFailover(loaded, "CPU, first edit");
        assertThat(b.dashboard("cpu").orElseThrow().title()).as("the replica lacks the first edit").isEqualTo("CPU");

        HttpResponse<String> second = save(next(loaded, "CPU, first edit", first), "CPU, second edit");

        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        assertThat(second.headers().firstValue(GrafanaEmulator.NAME_HEADER)).hasValue(Rig.REPLICA);
        JsonNode answer = JSON.readTree(second.body());
        assertThat(answer.path("id").asLong()).as("the replica's id, for the UI's next save").isEqualTo(b.dashboard("cpu").orElseThrow().id());
        assertThat(answer.path("version").asInt()).isEqualTo(b.dashboard("cpu").orElseThrow().version());
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU, second edit");

        rig.git().unavailable(false);
        await().atMost(Duration.ofSeconds(30)).until(() -> repo.readFile("main", CPU_FILE).orElse("").contains("CPU, second edit"));
        a.restart();
        await().atMost(Duration.ofSeconds(20)).until(() -> a.dashboard("cpu").orElseThrow().title().equals("CPU, second edit"));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU, second edit");
            assertThat(scrape()).contains("gateway_conflicts_total 0.0");
        });
        assertThat(String.join("\n", repo.log().stream().map(c -> c.shortMessage()).toList())).as("both edits in Git's history")
                .contains("from " + Rig.PRIMARY).contains("from " + Rig.REPLICA);
    }

    @Test
    void aPageLoadedFromTheReplicaAfterTheFailoverShowsTheSaveTheDeadPrimaryAcknowledgedAndSavesFromIt() throws Exception {
        start();
        savedOnThePrimaryThenFailover(load(), "CPU, first edit");

        HttpResponse<String> reloaded = http.send(request("/api/dashboards/uid/cpu").GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(reloaded.statusCode()).isEqualTo(200);
        assertThat(reloaded.headers().firstValue(GrafanaEmulator.NAME_HEADER)).hasValue(Rig.REPLICA);
        JsonNode page = JSON.readTree(reloaded.body());
        assertThat(page.path("dashboard").path("title").asText()).isEqualTo("CPU, first edit");
        HttpResponse<String> saved = save(page, "CPU, second edit");
        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU, second edit");
    }

    /**
     * The second before the checks notice: the primary acknowledged a save and died, the gateway still routes to it,
     * and a page load refused there is retried on the replica. The replica is brought up first, as for a load sent
     * there directly: before, it answered the version without the save, and the user's next save got the guard's 412.
     */
    @Test
    void aPageLoadRetriedOnTheReplicaBeforeTheFailoverShowsTheSaveTheDeadPrimaryAcknowledged() throws Exception {
        rig = DivergedCopies.start(dir, "failover", """
                health:
                  interval: 10s
                  timeout: 1s
                  rise: 1
                  fall: 1
                """, "");
        a = rig.a();
        b = rig.b();
        gateway = rig.gateway();
        JsonNode loaded = load();
        rig.git().unavailable(true);
        HttpResponse<String> saved = save(loaded, "CPU, first edit");
        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        a.stop();

        HttpResponse<String> reloaded = http.send(request("/api/dashboards/uid/cpu").GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(scrape()).as("the load went to the primary first").containsPattern(
                "gateway_retries_total\\{backend=\"grafana-a\",cause=\"[a-z-]+\"} 1\\.0");
        assertThat(reloaded.statusCode()).isEqualTo(200);
        assertThat(reloaded.headers().firstValue(GrafanaEmulator.NAME_HEADER)).hasValue(Rig.REPLICA);
        JsonNode page = JSON.readTree(reloaded.body());
        assertThat(page.path("dashboard").path("title").asText()).isEqualTo("CPU, first edit");
        HttpResponse<String> next = save(page, "CPU, second edit");
        assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU, second edit");
    }

    @Test
    void aSaveStartedBeforeTheEditTheDeadPrimaryAcknowledgedStillGets412OnTheReplica() throws Exception {
        start();
        JsonNode loaded = load(); // two users open the dashboard
        savedOnThePrimaryThenFailover(loaded, "CPU, first user's edit");
        long postsBefore = b.requestCount(SAVE);

        HttpResponse<String> refused = save(loaded, "CPU, second user's edit");

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(412);
        assertThat(refused.body()).isEqualTo(MISMATCH);
        assertThat(b.requestCount(SAVE)).as("nothing written to the replica").isEqualTo(postsBefore);
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU");
    }

    @Test
    void aSaveAfterSomeoneElseEditedTheReplicaMeanwhileStillGets412AndTheirEditStays() throws Exception {
        start();
        JsonNode loaded = load();
        JsonNode first = savedOnThePrimaryThenFailover(loaded, "CPU, first edit");
        ObjectNode theirs = b.dashboard("cpu").orElseThrow().json();
        theirs.put("title", "CPU (someone else's edit)");
        b.putDashboard(theirs, b.dashboard("cpu").orElseThrow().folderUid());
        long postsBefore = b.requestCount(SAVE);

        HttpResponse<String> refused = save(next(loaded, "CPU, first edit", first), "CPU, second edit");

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(412);
        assertThat(refused.body()).isEqualTo(MISMATCH);
        assertThat(b.requestCount(SAVE)).as("nothing written to the replica").isEqualTo(postsBefore);
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU (someone else's edit)");
    }

    private void start() {
        rig = DivergedCopies.start(dir, "failover", "");
        repo = rig.repo();
        a = rig.a();
        b = rig.b();
        gateway = rig.gateway();
        await().atMost(Duration.ofSeconds(15)).until(() -> rig.active().equals(Optional.of(Rig.PRIMARY)));
    }

    /**
     * Git goes down (so the write-back cannot commit and the sync cannot fan out), the primary acknowledges a save of
     * {@code loaded} retitled {@code title} and dies; the replica takes over. Returns the save's answer.
     */
    private JsonNode savedOnThePrimaryThenFailover(JsonNode loaded, String title) throws Exception {
        rig.git().unavailable(true);
        HttpResponse<String> saved = save(loaded, title);
        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        assertThat(saved.headers().firstValue(GrafanaEmulator.NAME_HEADER)).hasValue(Rig.PRIMARY);
        a.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.active().equals(Optional.of(Rig.REPLICA)));
        return JSON.readTree(saved.body());
    }

    /** What the UI holds after a save: the dashboard as saved, with the id and version the save answered. */
    private static JsonNode next(JsonNode loaded, String title, JsonNode answer) {
        ObjectNode next = loaded.deepCopy();
        ((ObjectNode) next.get("dashboard")).put("title", title).put("id", answer.path("id").asLong())
                .put("version", answer.path("version").asInt());
        return next;
    }

    private JsonNode load() throws Exception {
        HttpResponse<String> response = http.send(request("/api/dashboards/uid/cpu").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue(GrafanaEmulator.NAME_HEADER)).hasValue(Rig.PRIMARY);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> save(JsonNode loaded, String title) throws Exception {
        return http.send(request(SAVE).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(DivergedCopies.saveBody(loaded, title, false))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String scrape() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private HttpRequest.Builder request(String path) {
        return DivergedCopies.request(gateway, path);
    }
}
