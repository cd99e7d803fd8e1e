package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ListBranchCommand;
import org.eclipse.jgit.lib.Ref;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Library panel saves through the front door are promises like dashboard saves: journaled before the 200, so an
 * instance that dies before any poll loses nothing; two saves over the same version on two instances do not
 * overwrite each other in Git; reading library panels costs nothing for the capture.
 */
class LibraryPanelCaptureTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String FILE = "shared/library-panels/cpu.json";
    private static final String PANEL = """
            {
              "uid": "lib-cpu",
              "name": "CPU panel",
              "kind": 1,
              "model": {
                "type": "timeseries",
                "title": "CPU"
              }
            }
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
        // Polling every hour: the edits below happen long before any poll could find them.
        rig = Rig.builder(dir).seedFiles(Map.of("library-panels/cpu.json", PANEL, "team-a/cpu.json", EditingRig.CPU))
                .mode("load-balance").settings(Rig.FAST_HEALTH + """
                        routing:
                          sticky-cookie: gw
                        """)
                .syncSettings("interval: 1s\npoll-interval: 1h").start();
        repo = rig.repo();
        a = rig.a();
        b = rig.b();
        gateway = rig.startGateway();
        await().atMost(WAIT).until(() -> a.libraryElements().containsKey("lib-cpu") && b.libraryElements().containsKey("lib-cpu")
                && a.dashboard("cpu").isPresent() && b.dashboard("cpu").isPresent()
                && gateway.health().status().backends().stream().allMatch(s -> s.routable()));
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    @Test
    void aPanelSaveAcknowledgedJustBeforeItsInstanceDiesReachesGitAndTheOtherInstanceAfterARestart() throws Exception {
        rig.git().unavailable(true); // nothing can reach Git before the instance dies

        HttpResponse<String> saved = patch("grafana-a", "stat", a.libraryElements().get("lib-cpu").version());
        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        assertThat(Files.readString(dir.resolve("data/journal/edits.jsonl"))).as("journaled before the 200")
                .contains("LIBRARY_PANEL_SAVED").contains("stat");
        a.stop(); // the only instance that holds the edit, gone before any poll
        gateway.close();
        rig.git().unavailable(false);
        assertThat(repo.readFile("main", FILE).orElseThrow()).doesNotContain("stat");

        rig.startGateway();

        await().atMost(WAIT).until(() -> repo.readFile("main", FILE).orElse("").contains("stat"));
        assertThat(repo.readFile("main", FILE).orElseThrow()).as("the file's form is kept")
                .isEqualTo(PANEL.replace("timeseries", "stat"));
        assertThat(repo.log().get(0).shortMessage()).contains("CPU panel").contains("grafana-a");
        await().atMost(WAIT).until(() -> b.libraryElements().get("lib-cpu").type().equals("stat"));
    }

    @Test
    void twoSavesOverTheSameVersionOnTwoInstancesKeepTheFirstInGitAndTheSecondOnAConflictBranch() throws Exception {
        rig.git().unavailable(true); // both saves are journaled before either is committed
        assertThat(patch("grafana-a", "stat", a.libraryElements().get("lib-cpu").version()).statusCode()).isEqualTo(200);
        assertThat(patch("grafana-b", "gauge", b.libraryElements().get("lib-cpu").version()).statusCode()).isEqualTo(200);
        rig.git().unavailable(false);

        await().atMost(WAIT).until(() -> conflictBranches().size() == 1);
        assertThat(repo.readFile("main", FILE).orElseThrow()).contains("stat").doesNotContain("gauge");
        assertThat(repo.readFile(conflictBranches().get(0), FILE).orElseThrow()).contains("gauge");
        assertThat(conflictBranches().get(0)).startsWith("refs/heads/gateway/conflicts/lib-cpu-");
        assertThat(gateway.writeBack().orElseThrow().status().conflicts()).isEqualTo(1);
        // Git's version stays and reaches the instance whose save went to the branch.
        await().atMost(WAIT).until(() -> b.libraryElements().get("lib-cpu").type().equals("stat"));
    }

    @Test
    void aPanelCreatedAndThenDeletedThroughTheGatewayComesAndGoesInGit() throws Exception {
        String create = """
                {"uid": "lib-mem", "name": "Memory panel", "kind": 1, "folderUid": "%s", "model": {"type": "gauge"}}
                """.formatted(a.dashboard("cpu").orElseThrow().folderUid());
        HttpResponse<String> created = http.send(EditingRig.request(gateway.port(), "grafana-b", "/api/library-elements")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(create)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);

        await().atMost(WAIT).until(() -> repo.readFile("main", "shared/library-panels/memory-panel.json").orElse("")
                .contains("\"lib-mem\""));
        await().atMost(WAIT).until(() -> a.libraryElements().containsKey("lib-mem"));

        HttpResponse<String> deleted = http.send(EditingRig.request(gateway.port(), "grafana-a", "/api/library-elements/lib-mem")
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);

        await().atMost(WAIT).until(() -> repo.readFile("main", "shared/library-panels/memory-panel.json").isEmpty()
                && !b.libraryElements().containsKey("lib-mem"));
    }

    @Test
    void readingLibraryPanelsThroughTheGatewayIsNotObservedNorJournaled() throws Exception {
        for (String path : List.of("/api/library-elements?kind=1", "/api/library-elements/lib-cpu")) {
            HttpResponse<String> read = http.send(EditingRig.request(gateway.port(), "grafana-a", path).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(read.statusCode()).isEqualTo(200);
        }

        assertThat(gateway.registry().scrape()).as("never watched: no body gathered, no observer called")
                .contains("gateway_edits_observed_total{kind=\"library-panel-update\"} 0.0")
                .doesNotContain("gateway_edits_observed_total{kind=\"library-panel-create\"} 1")
                .doesNotContain("gateway_edits_observed_total{kind=\"library-panel-update\"} 1");
        assertThat(gateway.writeBack().orElseThrow().status().backlog()).isZero();
    }

    /** {@code PATCH /api/library-elements/lib-cpu} through the gateway, pinned to {@code backend}, over {@code version}. */
    private HttpResponse<String> patch(String backend, String type, int version) throws Exception {
        String body = """
                {"name": "CPU panel", "kind": 1, "model": {"type": "%s", "title": "CPU"}, "version": %d}
                """.formatted(type, version);
        return http.send(EditingRig.request(gateway.port(), backend, "/api/library-elements/lib-cpu")
                .header("Content-Type", "application/json").method("PATCH", HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private List<String> conflictBranches() throws Exception {
        try (Git g = Git.open(repo.bareDir().toFile())) {
            return g.branchList().setListMode(ListBranchCommand.ListMode.ALL).call().stream().map(Ref::getName)
                    .filter(n -> n.startsWith("refs/heads/gateway/conflicts/")).toList();
        }
    }
}
