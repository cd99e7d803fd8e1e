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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The primary dies while a dashboard save is in flight there (held unanswered, then its connections reset, as a
 * kill -9 would): the save Grafana's UI sends is conditional (it names the version it is based on), so the gateway
 * replays it on the replica, translated for the replica's id and version. The user gets 200 (or Grafana's honest 412
 * when someone changed the dashboard there meanwhile) instead of a 502 with an unknown outcome; the edit reaches Git
 * once, and the primary when it returns. Every other unsafe request is still never re-sent.
 */
class SaveReplayTest {
    private static final ObjectMapper JSON = DivergedCopies.JSON;
    private static final String CPU_FILE = DivergedCopies.CPU_FILE;
    private static final String SAVE = "/api/dashboards/db";

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
    void aSaveInFlightWhenThePrimaryDiesIsAnswered200FromTheReplicaAndReachesGitAndBothInstances() throws Exception {
        start("");
        JsonNode loaded = load();
        int commitsBefore = repo.log().size();

        a.holdAnswers(SAVE, false);
        CompletableFuture<HttpResponse<String>> saving = saveThenKill(a, loaded, "CPU saved through a failover");
        HttpResponse<String> saved = saving.get(30, TimeUnit.SECONDS);

        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        assertThat(saved.headers().firstValue(GrafanaEmulator.NAME_HEADER)).hasValue(Rig.REPLICA);
        JsonNode answer = JSON.readTree(saved.body());
        assertThat(answer.path("id").asLong()).as("the replica's id, for the UI's next save").isEqualTo(b.dashboard("cpu").orElseThrow().id());
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU saved through a failover");
        assertThat(replays()).isEqualTo(1.0);
        await().atMost(Duration.ofSeconds(15)).until(() -> repo.readFile("main", CPU_FILE).orElse("").contains("CPU saved through a failover"));
        assertThat(a.dashboard("cpu").orElseThrow().title()).as("the primary never applied it").isEqualTo("CPU");

        a.releaseAnswers();
        a.restart();
        await().atMost(Duration.ofSeconds(20)).until(() -> a.dashboard("cpu").orElseThrow().title().equals("CPU saved through a failover"));
        assertThat(repo.log().size() - commitsBefore).as("one commit for one save").isEqualTo(1);
    }

    @Test
    void aSaveOnAPrimaryThatHangsIsReplayedOnceTheHealthChecksMarkItDown() throws Exception {
        start("");
        JsonNode loaded = load();

        a.holdAnswers(SAVE, false);
        long before = a.requestCount(SAVE);
        CompletableFuture<HttpResponse<String>> saving = saveAsync(loaded, false, "CPU saved past a hung primary");
        await().atMost(Duration.ofSeconds(20)).until(() -> a.requestCount(SAVE) > before);
        a.hang(true); // a SIGSTOPped Grafana: connections stay open, nothing answers, the health checks time out
        HttpResponse<String> saved = saving.get(30, TimeUnit.SECONDS);

        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        assertThat(saved.headers().firstValue(GrafanaEmulator.NAME_HEADER)).hasValue(Rig.REPLICA);
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU saved past a hung primary");
        assertThat(replays()).isEqualTo(1.0);
    }

    @Test
    void aSaveTheDyingPrimaryDidApplyIsNeitherLostNorCommittedTwiceWhenItReturns() throws Exception {
        start("");
        JsonNode loaded = load();
        int commitsBefore = repo.log().size();

        // The primary applies the save and dies before its answer leaves.
        a.holdAnswers(SAVE, true);
        CompletableFuture<HttpResponse<String>> saving = saveThenKill(a, loaded, "CPU applied twice");
        HttpResponse<String> saved = saving.get(30, TimeUnit.SECONDS);
        assertThat(a.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU applied twice");

        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU applied twice");
        await().atMost(Duration.ofSeconds(15)).until(() -> repo.readFile("main", CPU_FILE).orElse("").contains("CPU applied twice"));

        a.releaseAnswers();
        a.restart();
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.isUp(Rig.PRIMARY));
        // Through several write-back polls and sync passes of the returned primary (1 s apart), nothing changes.
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(a.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU applied twice");
            assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU applied twice");
            assertThat(repo.readFile("main", CPU_FILE).orElseThrow()).contains("CPU applied twice");
            assertThat(repo.log().size() - commitsBefore).as("one commit for one save").isEqualTo(1);
            assertThat(scrape()).contains("gateway_conflicts_total 0.0");
        });
    }

    @Test
    void aConflictingEditMadeOnTheReplicaMeanwhileGetsGrafanas412AndIsNotOverwritten() throws Exception {
        start("");
        JsonNode loaded = load();
        ObjectNode theirs = b.dashboard("cpu").orElseThrow().json();
        theirs.put("title", "CPU (someone else's edit)");
        b.putDashboard(theirs, b.dashboard("cpu").orElseThrow().folderUid());
        long postsBefore = b.requestCount(SAVE);

        a.holdAnswers(SAVE, false);
        CompletableFuture<HttpResponse<String>> saving = saveThenKill(a, loaded, "CPU (my edit)");
        HttpResponse<String> refused = saving.get(30, TimeUnit.SECONDS);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(412);
        assertThat(refused.body()).isEqualTo("{\"status\":\"version-mismatch\",\"message\":\"The dashboard has been changed by someone else\"}");
        assertThat(b.requestCount(SAVE)).as("never forwarded to the replica").isEqualTo(postsBefore);
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU (someone else's edit)");
    }

    @Test
    void withReplaySavesOffTheSaveGetsTodaysGatewayError() throws Exception {
        start("routing:\n  replay-saves: false\n");
        JsonNode loaded = load();
        long postsBefore = b.requestCount(SAVE);

        a.holdAnswers(SAVE, false);
        CompletableFuture<HttpResponse<String>> saving = saveThenKill(a, loaded, "CPU, not replayed");
        HttpResponse<String> failed = saving.get(30, TimeUnit.SECONDS);

        assertThat(failed.statusCode()).as(failed.body()).isIn(502, 504);
        assertThat(b.requestCount(SAVE)).isEqualTo(postsBefore);
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU");
        assertThat(replays()).isZero();
        assertThat(scrape()).contains("gateway_retries_skipped_total{reason=\"replay-saves-off\"} 1.0");
    }

    @Test
    void anOverwritingSaveAndAnyOtherUnsafeRequestAreNeverReplayed() throws Exception {
        start("");
        JsonNode loaded = load();
        long postsBefore = b.requestCount(SAVE);

        // Neither is translated first (nothing reads the primary before forwarding them): it may hang whole.
        a.hang(true);
        CompletableFuture<HttpResponse<String>> overwriting = saveAsync(loaded, true, "CPU, forced");
        CompletableFuture<HttpResponse<String>> annotating = http.sendAsync(request("/api/annotations")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"deploy\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> a.requestCount(SAVE) >= 1 && a.requestCount("/api/annotations") >= 1);
        a.stop();

        assertThat(overwriting.get(30, TimeUnit.SECONDS).statusCode()).isIn(502, 504);
        assertThat(annotating.get(30, TimeUnit.SECONDS).statusCode()).isIn(502, 504);
        assertThat(b.requestCount(SAVE)).isEqualTo(postsBefore);
        assertThat(b.requestCount("/api/annotations")).isZero();
        assertThat(replays()).isZero();
    }

    /** The copies diverged (ids and versions differ), the primary serving. */
    private void start(String settings) {
        rig = DivergedCopies.start(dir, "failover", settings);
        repo = rig.repo();
        a = rig.a();
        b = rig.b();
        gateway = rig.gateway();
        await().atMost(Duration.ofSeconds(15)).until(() -> rig.active().equals(java.util.Optional.of(Rig.PRIMARY)));
        assertThat(a.dashboard("cpu").orElseThrow().id()).isNotEqualTo(b.dashboard("cpu").orElseThrow().id());
    }

    /** Sends the save; as soon as {@code grafana} holds it, it dies: its connections are reset, new ones refused. */
    private CompletableFuture<HttpResponse<String>> saveThenKill(GrafanaEmulator grafana, JsonNode loaded, String title) {
        long before = grafana.requestCount(SAVE);
        CompletableFuture<HttpResponse<String>> saving = saveAsync(loaded, false, title);
        await().atMost(Duration.ofSeconds(20)).until(() -> grafana.requestCount(SAVE) > before);
        grafana.stop();
        return saving;
    }

    private double replays() {
        var counter = gateway.registry().find("gateway.retries").tag("cause", "save-replay").counters();
        return counter.stream().mapToDouble(c -> c.count()).sum();
    }

    private String scrape() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private JsonNode load() throws Exception {
        HttpResponse<String> response = http.send(request("/api/dashboards/uid/cpu").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue(GrafanaEmulator.NAME_HEADER)).hasValue(Rig.PRIMARY);
        return JSON.readTree(response.body());
    }

    /** The save Grafana's UI sends: the dashboard as loaded (its id and version), retitled; the folder; the overwrite flag. */
    private CompletableFuture<HttpResponse<String>> saveAsync(JsonNode loaded, boolean overwrite, String title) {
        return http.sendAsync(request(SAVE).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(DivergedCopies.saveBody(loaded, title, overwrite))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        return DivergedCopies.request(gateway, path);
    }
}
