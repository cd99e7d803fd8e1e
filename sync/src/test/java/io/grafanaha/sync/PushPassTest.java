package io.grafanaha.sync;

import static io.grafanaha.sync.LibraryPanelSyncTest.panel;
import static io.grafanaha.sync.SyncFixture.dashboard;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.grafanaha.testkit.grafana.StoredDashboard;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pass started by a push ({@link SyncService#requestSyncOfChange}) takes the managed tree as the last pass left it
 * instead of walking the folders and searching again, and does not list library panels when none changed; what it
 * applies is still what a full pass would.
 */
class PushPassTest {
    @TempDir Path tmp;
    SyncFixture fx;

    @BeforeEach
    void setUp() {
        fx = new SyncFixture(tmp);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private SyncService startedWithTwoFolders() throws Exception {
        fx.push("add", "shared/team-a/d1.json", dashboard("d1", "D1"), "shared/team-a/d2.json", dashboard("d2", "D2"),
                "shared/team-b/d3.json", dashboard("d3", "D3"), "shared/d4.json", dashboard("d4", "D4"));
        SyncService sync = fx.service();
        sync.requestSync("start").get(20, TimeUnit.SECONDS); // creates the folders
        sync.requestSync("interval").get(20, TimeUnit.SECONDS); // finds the tree as the pass left it
        return sync;
    }

    private static void push(SyncService sync) throws Exception {
        sync.requestSyncOfChange("webhook").get(20, TimeUnit.SECONDS);
    }

    private long treeReads() {
        return fx.a.requestCount("/api/folders") + fx.b.requestCount("/api/folders")
                + fx.a.requestCount("/api/search") + fx.b.requestCount("/api/search");
    }

    @Test
    void aPassForAPushNeitherWalksTheFoldersNorSearchesAgainButAFullPassDoes() throws Exception {
        SyncService sync = startedWithTwoFolders();
        fx.push("retitle d1", "shared/team-a/d1.json", dashboard("d1", "D1 renamed"));
        long before = treeReads();

        push(sync);

        assertThat(fx.a.dashboard("d1").orElseThrow().title()).isEqualTo("D1 renamed");
        assertThat(fx.b.dashboard("d1").orElseThrow().title()).isEqualTo("D1 renamed");
        assertThat(sync.isFresh("grafana-a") && sync.isFresh("grafana-b")).isTrue();
        assertThat(treeReads() - before).as("folder walks and searches of the push pass").isZero();

        sync.requestSync("interval").get(20, TimeUnit.SECONDS);
        assertThat(treeReads() - before).as("the interval's pass reads the tree").isPositive();
    }

    @Test
    void pushesThatCreateMoveAndDeleteLeaveEveryInstanceAsGitSays() throws Exception {
        SyncService sync = startedWithTwoFolders();

        fx.push("add d5", "shared/team-b/d5.json", dashboard("d5", "D5"));
        push(sync);
        fx.workspace.deleteFile("shared/team-a/d2.json").deleteFile("shared/team-a/d1.json");
        fx.push("move d1, delete d2", "shared/team-b/d1.json", dashboard("d1", "D1"));
        push(sync);
        fx.push("new folder", "shared/team-c/d6.json", dashboard("d6", "D6"));
        push(sync);
        fx.push("add d7 beside d6", "shared/team-c/d7.json", dashboard("d7", "D7"));
        push(sync);

        for (GrafanaEmulator g : new GrafanaEmulator[] {fx.a, fx.b}) {
            assertThat(placement(g)).isEqualTo(Map.of("d1", "team-b", "d3", "team-b", "d4", "grafana-manifests",
                    "d5", "team-b", "d6", "team-c", "d7", "team-c"));
        }
        assertThat(sync.isFresh("grafana-a") && sync.isFresh("grafana-b")).isTrue();
    }

    @Test
    void aDashboardSavedOnAnInstanceSinceTheLastPassIsFoundWhenAPushAddsItsUid() throws Exception {
        SyncService sync = startedWithTwoFolders();
        String teamA = fx.a.dashboard("d1").orElseThrow().folderUid();
        fx.a.putDashboard((ObjectNode) new ObjectMapper().readTree(dashboard("d9", "D9 made in the UI")), teamA);

        fx.push("add d9", "shared/team-a/d9.json", dashboard("d9", "D9"));
        push(sync);

        assertThat(fx.a.dashboard("d9").orElseThrow().title()).isEqualTo("D9");
        assertThat(fx.b.dashboard("d9").orElseThrow().title()).isEqualTo("D9");
        assertThat(sync.isFresh("grafana-a")).isTrue();
    }

    @Test
    void aBackendMarkedStaleHasItsTreeReadAgainByThePushPass() throws Exception {
        SyncService sync = startedWithTwoFolders();
        sync.markStale("grafana-a"); // e.g. it went down and came back with an empty database
        for (String uid : new String[] {"d1", "d2", "d3", "d4"}) {
            delete(fx.a, "/api/dashboards/uid/" + uid);
        }

        fx.push("retitle d3", "shared/team-b/d3.json", dashboard("d3", "D3 renamed"));
        push(sync);

        assertThat(fx.a.dashboards()).containsKeys("d1", "d2", "d3", "d4");
        assertThat(fx.a.dashboard("d3").orElseThrow().title()).isEqualTo("D3 renamed");
        assertThat(sync.isFresh("grafana-a")).isTrue();
    }

    @Test
    void aPushThatChangesNoLibraryPanelDoesNotListThemAndOneThatDoesUpdatesIt() throws Exception {
        fx.push("add", "shared/library-panels/cpu.json", panel("lib-cpu", "CPU panel", "timeseries"),
                "shared/d1.json", dashboard("d1", "D1"));
        SyncService sync = fx.service();
        sync.requestSync("start").get(20, TimeUnit.SECONDS);
        sync.requestSync("interval").get(20, TimeUnit.SECONDS);
        long listed = libraryListings();

        fx.push("retitle d1", "shared/d1.json", dashboard("d1", "D1 renamed"));
        push(sync);

        assertThat(fx.b.dashboard("d1").orElseThrow().title()).isEqualTo("D1 renamed");
        assertThat(libraryListings() - listed).as("library listings of a push that changed no panel").isZero();

        fx.push("change the panel", "shared/library-panels/cpu.json", panel("lib-cpu", "CPU panel", "stat"));
        push(sync);

        assertThat(fx.a.libraryElements().get("lib-cpu").type()).isEqualTo("stat");
        assertThat(fx.b.libraryElements().get("lib-cpu").type()).isEqualTo("stat");
    }

    private long libraryListings() {
        return fx.a.requestCount("/api/library-elements") + fx.b.requestCount("/api/library-elements");
    }

    /** uid → title of the folder it is in. */
    private static Map<String, String> placement(GrafanaEmulator g) {
        Map<String, String> out = new TreeMap<>();
        for (StoredDashboard d : g.dashboards().values()) {
            out.put(d.uid(), g.folders().get(d.folderUid()).title());
        }
        return out;
    }

    private static void delete(GrafanaEmulator g, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(g.url() + path))
                .header("Authorization", "Bearer " + g.token()).DELETE().build();
        HttpResponse<Void> r = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding());
        assertThat(r.statusCode()).isEqualTo(200);
    }
}
