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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Grafana 12's UI saves through the dashboard resource API: {@code PUT /apis/dashboard.grafana.app/v1beta1/namespaces/
 * default/dashboards/<uid>} with the {@code metadata.resourceVersion} it loaded, which is per instance like the id and
 * version. Through the front door such a save lands on whichever instance serves and reaches Git like a legacy save;
 * a real conflict still gets Grafana's 409.
 */
class ResourceApiSaveTest {
    private static final ObjectMapper JSON = DivergedCopies.JSON;
    private static final String CPU_FILE = DivergedCopies.CPU_FILE;
    private static final String CPU = "/apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards/cpu";

    @TempDir
    Path dir;

    private Rig rig;
    private RemoteRepo repo;
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private Gateway gateway;
    private String mode;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void aResourceSaveLoadedFromThePrimaryIsSavedOnTheReplicaAfterAFailoverAndReachesGitAndBothInstances() throws Exception {
        start();
        JsonNode loaded = load();
        a.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.active().equals(java.util.Optional.of(Rig.REPLICA)));

        HttpResponse<String> saved = send(put(loaded, "CPU after failover"));

        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(saved.body());
        assertThat(answer.path("metadata").path("labels").path("grafana.app/deprecatedInternalID").asText())
                .isEqualTo(Long.toString(b.dashboard("cpu").orElseThrow().id()));
        assertThat(answer.path("metadata").path("resourceVersion").asText())
                .as("the replica's, for the UI's next save").isNotEqualTo(loaded.path("metadata").path("resourceVersion").asText());
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU after failover");
        await().atMost(Duration.ofSeconds(15)).until(() -> repo.readFile("main", CPU_FILE).orElse("").contains("CPU after failover"));
        a.restart();
        await().atMost(Duration.ofSeconds(15)).until(() -> a.dashboard("cpu").orElseThrow().title().equals("CPU after failover"));
    }

    @Test
    void aConflictingEditMadeOnTheReplicaMeanwhileStillGets409() throws Exception {
        start();
        JsonNode loaded = load();
        a.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.active().equals(java.util.Optional.of(Rig.REPLICA)));
        ObjectNode theirs = b.dashboard("cpu").orElseThrow().json();
        theirs.put("title", "CPU (someone else's edit)");
        b.putDashboard(theirs, b.dashboard("cpu").orElseThrow().folderUid());
        long putsBefore = b.requestCount(CPU);

        HttpResponse<String> refused = send(put(loaded, "CPU (my edit)"));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
        JsonNode status = JSON.readTree(refused.body());
        assertThat(status.path("kind").asText()).isEqualTo("Status");
        assertThat(status.path("reason").asText()).isEqualTo("Conflict");
        assertThat(b.requestCount(CPU) - putsBefore).as("only the gateway's read, never the save").isLessThanOrEqualTo(1);
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU (someone else's edit)");
    }

    @Test
    void aResourceSaveInFlightWhenThePrimaryDiesIsReplayedOnTheReplica() throws Exception {
        start();
        JsonNode loaded = load();

        a.holdAnswers("PUT", CPU, false);
        long before = a.requestCount(CPU);
        CompletableFuture<HttpResponse<String>> saving = http.sendAsync(put(loaded, "CPU saved through a failover"),
                HttpResponse.BodyHandlers.ofString());
        // The gateway's read of the primary's copy (answered), then the save itself (held).
        await().atMost(Duration.ofSeconds(20)).until(() -> a.requestCount(CPU) >= before + 2);
        a.stop();
        HttpResponse<String> saved = saving.get(30, TimeUnit.SECONDS);

        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        assertThat(saved.headers().firstValue(GrafanaEmulator.NAME_HEADER)).hasValue(Rig.REPLICA);
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU saved through a failover");
        await().atMost(Duration.ofSeconds(15)).until(() -> repo.readFile("main", CPU_FILE).orElse("").contains("CPU saved through a failover"));
    }

    @Test
    void inLoadBalanceModeAResourceSaveOnEachRoundRobinHopSucceeds() throws Exception {
        start("load-balance");
        JsonNode current = load();
        java.util.Set<String> servedBy = new java.util.HashSet<>();
        for (int i = 1; i <= 4; i++) {
            String title = "CPU, edit " + i;
            HttpResponse<String> saved = send(put(current, title));
            assertThat(saved.statusCode()).as("save %d: %s", i, saved.body()).isEqualTo(200);
            servedBy.add(saved.headers().firstValue(GrafanaEmulator.NAME_HEADER).orElse("?"));
            // The UI keeps the resource the save answered (its resourceVersion) for its next save.
            current = JSON.readTree(saved.body());
            await().atMost(Duration.ofSeconds(15)).until(() -> a.dashboard("cpu").orElseThrow().title().equals(title)
                    && b.dashboard("cpu").orElseThrow().title().equals(title));
        }
        assertThat(servedBy).containsExactlyInAnyOrder(Rig.PRIMARY, Rig.REPLICA);
        assertThat(repo.readFile("main", CPU_FILE).orElseThrow()).contains("CPU, edit 4");
    }

    @Test
    void aDashboardCreatedThroughTheResourceApiIsWrittenToGitAndReachesTheOtherInstance() throws Exception {
        start();
        String folderUid = a.dashboard("cpu").orElseThrow().folderUid();
        String body = """
                {"apiVersion": "dashboard.grafana.app/v1beta1", "kind": "Dashboard",
                 "metadata": {"generateName": "d", "annotations": {"grafana.app/folder": "%s"}},
                 "spec": {"title": "Disk I/O latency", "tags": [], "schemaVersion": 39, "panels": []}}
                """.formatted(folderUid);
        HttpResponse<String> created = send(DivergedCopies.request(gateway, CPU.substring(0, CPU.lastIndexOf('/')))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String uid = JSON.readTree(created.body()).path("metadata").path("name").asText();
        await().atMost(Duration.ofSeconds(15)).until(() -> repo.readFile("main", "shared/team-a/disk-i-o-latency.json").isPresent());
        assertThat(repo.readFile("main", "shared/team-a/disk-i-o-latency.json").orElseThrow()).contains(uid)
                .doesNotContain("\"id\"").doesNotContain("\"version\"");
        await().atMost(Duration.ofSeconds(15)).until(() -> b.dashboard(uid).map(d -> d.folderUid().equals(folderUid)).orElse(false));
    }

    private void start() {
        start("failover");
    }

    private void start(String mode) {
        this.mode = mode;
        rig = DivergedCopies.start(dir, mode, "");
        repo = rig.repo();
        a = rig.a();
        b = rig.b();
        gateway = rig.gateway();
        if (mode.equals("failover")) {
            await().atMost(Duration.ofSeconds(15)).until(() -> rig.active().equals(java.util.Optional.of(Rig.PRIMARY)));
        }
    }

    /** {@code GET} of the resource through the front door, as Grafana 12's UI opens a dashboard. */
    private JsonNode load() throws Exception {
        HttpResponse<String> response = send(DivergedCopies.request(gateway, CPU).GET().build());
        assertThat(response.statusCode()).isEqualTo(200);
        if (mode.equals("failover")) {
            assertThat(response.headers().firstValue(GrafanaEmulator.NAME_HEADER)).hasValue(Rig.PRIMARY);
        }
        return JSON.readTree(response.body());
    }

    /** The save Grafana 12's UI sends: the resource as loaded (its resourceVersion), retitled, with a message. */
    private HttpRequest put(JsonNode loaded, String title) {
        ObjectNode body = loaded.deepCopy();
        ((ObjectNode) body.get("spec")).put("title", title);
        ((ObjectNode) body.get("metadata")).putObject("annotations").put("grafana.app/message", "tuned")
                .put("grafana.app/folder", loaded.path("metadata").path("annotations").path("grafana.app/folder").asText());
        return DivergedCopies.request(gateway, CPU).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
