package io.grafanaha.sync.grafana;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.actual.ManagedTree;
import io.grafanaha.sync.RemoteRepo;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.ReadDesiredState;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.git.GitCredentials;
import io.grafanaha.sync.git.GitMirror;
import io.grafanaha.sync.git.GitSource;
import io.grafanaha.sync.grafana.BackendDashboard;
import io.grafanaha.sync.grafana.BackendFolder;
import io.grafanaha.sync.actual.BackendState;
import io.grafanaha.sync.plan.Plan;
import io.grafanaha.sync.plan.PlanOperation;
import io.grafanaha.sync.plan.PlanResult;
import io.grafanaha.sync.plan.PlanSync;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP client against the testkit's Grafana emulator on loopback. */
class HttpGrafanaClientTest {
    static final ObjectMapper MAPPER = new ObjectMapper();
    @TempDir Path tmp;
    GrafanaEmulator grafana;
    HttpGrafanaClient client;

    @BeforeEach
    void setUp() {
        grafana = GrafanaEmulator.start();
        client = HttpGrafanaClient.create("grafana-a", URI.create(grafana.url()), grafana.token());
    }

    @AfterEach
    void tearDown() {
        grafana.close();
    }

    @Test
    void foldersAndDashboardsRoundTrip() throws Exception {
        client.createFolder("root", "grafana-manifests", Optional.empty());
        client.createFolder("team", "team-a", Optional.of("root"));
        client.renameFolder("team", "Team A");
        ObjectNode d = (ObjectNode) MAPPER.readTree("{\"uid\":\"cpu\",\"title\":\"CPU\",\"panels\":[],\"id\":99}");
        SaveResult saved = client.saveDashboard(d, "team", "git-sync 1234567: add cpu");
        assertThat(saved.uid()).isEqualTo("cpu");
        assertThat(saved.version()).isEqualTo(1);
        assertThat(client.saveDashboard(d, "team", "again").version()).isEqualTo(2);
        assertThat(grafana.versions("cpu")).extracting(v -> v.message()).contains("git-sync 1234567: add cpu");

        assertThat(client.folder("team").orElseThrow().parentUid()).contains("root");
        assertThat(client.childFolders("root")).extracting(f -> f.title()).containsExactly("Team A");
        assertThat(client.dashboardsInFolders(List.of("team"))).extracting(DashboardHit::uid).containsExactly("cpu");
        var held = client.dashboard("cpu").orElseThrow();
        assertThat(held.folderUid()).isEqualTo("team");
        assertThat(held.version()).isEqualTo(2);

        client.moveFolder("team", Optional.empty());
        assertThat(client.folder("team").orElseThrow().parentUid()).isEmpty();
        client.deleteDashboard("cpu");
        client.deleteDashboard("cpu");
        assertThat(client.dashboard("cpu")).isEmpty();
        client.deleteFolder("team");
        assertThat(client.folder("team")).isEmpty();
    }

    @Test
    void aDashboardWrittenAndUnchangedSinceIsNotReadAgainButOneEditedElsewhereIs() throws Exception {
        client.createFolder("root", "grafana-manifests", Optional.empty());
        ObjectNode cpu = (ObjectNode) MAPPER.readTree("{\"uid\":\"cpu\",\"title\":\"CPU\",\"panels\":[]}");
        ObjectNode mem = (ObjectNode) MAPPER.readTree("{\"uid\":\"mem\",\"title\":\"Memory\",\"panels\":[]}");
        client.saveDashboard(cpu, "root", "git-sync 1234567: add");
        client.saveDashboard(mem, "root", "git-sync 1234567: add");
        grafana.putDashboard((ObjectNode) MAPPER.readTree("{\"uid\":\"mem\",\"title\":\"Memory edited\"}"), "root");

        List<DashboardHit> hits = client.dashboardsInFolders(List.of("root"));
        List<BackendDashboard> held = client.dashboards(hits, Map.of());

        assertThat(grafana.requestCount("/api/dashboards/uid/cpu")).isZero();
        assertThat(held).filteredOn(d -> d.uid().equals("cpu")).singleElement()
                .satisfies(d -> assertThat(d.json()).isSameAs(cpu));
        assertThat(grafana.requestCount("/api/dashboards/uid/mem")).isEqualTo(1);
        assertThat(held).filteredOn(d -> d.uid().equals("mem")).singleElement()
                .satisfies(d -> assertThat(d.title()).isEqualTo("Memory edited"));

        client.dashboards(hits, Map.of());
        assertThat(grafana.requestCount("/api/dashboards/uid/mem")).as("read once, known since").isEqualTo(1);
        grafana.putDashboard((ObjectNode) MAPPER.readTree("{\"uid\":\"cpu\",\"title\":\"CPU edited\"}"), "root");
        assertThat(client.dashboards(hits, Map.of())).extracting(BackendDashboard::title)
                .containsExactlyInAnyOrder("CPU edited", "Memory edited");
    }

    @Test
    void aClientThatKnowsNothingReadsEveryDashboardWithoutAskingForVersions() throws Exception {
        client.createFolder("root", "grafana-manifests", Optional.empty());
        for (int i = 0; i < 10; i++) {
            grafana.putDashboard((ObjectNode) MAPPER.readTree("{\"uid\":\"d" + i + "\",\"title\":\"D" + i + "\"}"),
                    "root");
        }
        HttpGrafanaClient fresh = HttpGrafanaClient.create("grafana-a", URI.create(grafana.url()), grafana.token());

        List<BackendDashboard> held = fresh.dashboards(fresh.dashboardsInFolders(List.of("root")), Map.of());

        assertThat(held).extracting(BackendDashboard::uid).containsExactlyInAnyOrder(
                "d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9");
        assertThat(grafana.requestCount("/api/dashboards/uid/d0/versions")).isZero();
    }

    @Test
    void manyDashboardsAreReadByAtMostFourTasksOnTheSharedExecutorInTheirOrder() throws Exception {
        client.createFolder("root", "grafana-manifests", Optional.empty());
        for (int i = 0; i < 20; i++) {
            grafana.putDashboard((ObjectNode) MAPPER.readTree("{\"uid\":\"d" + i + "\",\"title\":\"D" + i + "\"}"),
                    "root");
        }
        ExecutorService pool = Executors.newCachedThreadPool();
        AtomicInteger tasks = new AtomicInteger();
        try {
            HttpGrafanaClient parallel = HttpGrafanaClient.create("grafana-a", URI.create(grafana.url()),
                    grafana.token(), task -> {
                        tasks.incrementAndGet();
                        pool.execute(task);
                    });
            List<DashboardHit> hits = parallel.dashboardsInFolders(List.of("root"));

            List<BackendDashboard> held = parallel.dashboards(hits, Map.of());

            assertThat(held).extracting(BackendDashboard::uid)
                    .containsExactlyElementsOf(hits.stream().map(DashboardHit::uid).toList());
            assertThat(tasks).hasValue(HttpGrafanaClient.DEFAULT_READ_CONCURRENCY);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aDashboardReadThatEqualsTheExpectedTreeIsHandedBackAsThatTreeAndKnownSince() throws Exception {
        client.createFolder("root", "grafana-manifests", Optional.empty());
        grafana.putDashboard((ObjectNode) MAPPER.readTree("{\"uid\":\"cpu\",\"title\":\"CPU\",\"panels\":[]}"), "root");
        grafana.putDashboard((ObjectNode) MAPPER.readTree("{\"uid\":\"mem\",\"title\":\"Old\"}"), "root");
        ObjectNode cpu = (ObjectNode) MAPPER.readTree("{\"panels\":[],\"title\":\"CPU\",\"uid\":\"cpu\"}");
        ObjectNode mem = (ObjectNode) MAPPER.readTree("{\"uid\":\"mem\",\"title\":\"New\"}");
        List<DashboardHit> hits = client.dashboardsInFolders(List.of("root"));

        List<BackendDashboard> held = client.dashboards(hits, Map.of("cpu", cpu, "mem", mem));

        assertThat(held).filteredOn(d -> d.uid().equals("cpu")).singleElement()
                .satisfies(d -> assertThat(d.json()).isSameAs(cpu));
        assertThat(held).filteredOn(d -> d.uid().equals("mem")).singleElement()
                .satisfies(d -> assertThat(d.json().path("title").asText()).isEqualTo("Old"));
        client.dashboards(hits, Map.of("cpu", cpu, "mem", mem));
        assertThat(grafana.requestCount("/api/dashboards/uid/cpu")).isEqualTo(1);
        assertThat(grafana.requestCount("/api/dashboards/uid/mem")).isEqualTo(1);
    }

    @Test
    void theFolderTreeListsEveryLevelParentsBeforeChildren() throws Exception {
        client.createFolder("root", "grafana-manifests", Optional.empty());
        client.createFolder("a", "A", Optional.of("root"));
        client.createFolder("b", "B", Optional.of("root"));
        client.createFolder("a1", "A1", Optional.of("a"));
        client.createFolder("a1x", "A1x", Optional.of("a1"));
        client.createFolder("elsewhere", "Elsewhere", Optional.empty());

        List<BackendFolder> tree = client.folderTree("root");

        assertThat(tree).extracting(BackendFolder::uid).containsExactly("root", "a", "b", "a1", "a1x");
        assertThat(tree.get(3).parentUid()).contains("a");
        assertThat(client.folderTree("missing")).isEmpty();
    }

    @Test
    void errorsNameTheBackendAndTheCall() {
        assertThatThrownBy(() -> client.createFolder("x", "X", Optional.of("missing-parent")))
                .isInstanceOf(GrafanaApiException.class)
                .hasMessageStartingWith("grafana-a: POST /api/folders -> HTTP ");
        HttpGrafanaClient badToken = HttpGrafanaClient.create("grafana-b", URI.create(grafana.url()), "nope");
        assertThatThrownBy(() -> badToken.folder("root")).isInstanceOfSatisfying(GrafanaApiException.class,
                e -> assertThat(e.status()).isEqualTo(401));
    }

    @Test
    void saveMessageCarriesTheShortShaAndSubject() {
        CommitInfo c = new CommitInfo(ObjectId.fromString("1a2b3c4d5e6f1a2b3c4d5e6f1a2b3c4d5e6f1a2b"),
                "Add CPU dashboard", Instant.EPOCH);
        assertThat(SaveMessage.of(c)).isEqualTo("git-sync 1a2b3c4: Add CPU dashboard");
        assertThat(SaveMessage.of(new CommitInfo(c.id(), "x".repeat(600), Instant.EPOCH))).hasSize(500);
    }

    /** Git -> plan -> apply -> read back -> plan again: the second plan is empty (no version churn). */
    @Test
    void afterApplyingAPlanTheBackendNeedsNothingMore() throws Exception {
        try (RemoteRepo remote = RemoteRepo.create(tmp.resolve("remote"))) {
            remote.writeResource("shared/cpu.json", "cpu.json")
                    .writeResource("shared/team-a/memory.json", "memory.json")
                    .writeResource("shared/team-a/net/network.yaml", "network.yaml")
                    .commitAndPush("Add node dashboards");
            grafana.putDashboard((ObjectNode) MAPPER.readTree("{\"uid\":\"cpu\",\"title\":\"Elsewhere\"}"), "");
            try (GitMirror mirror = GitMirror.open(tmp.resolve("data"),
                    new GitSource(remote.url(), "main", GitCredentials.none()))) {
                CommitInfo head = mirror.fetch().head().orElseThrow();
                DesiredState desired = new ReadDesiredState(mirror.repository()).setCommit(head.id())
                        .setPath("shared").setRootFolderTitle("grafana-manifests").call();
                List<String> uids = desired.dashboards().stream().map(d -> d.uid()).toList();

                BackendState before = new ManagedTree(client).read(desired.rootFolderUid(), uids);
                assertThat(before.uidsOutsideTree()).containsExactly("cpu");
                Plan plan = ready(new PlanSync(desired, before).call());
                assertThat(plan.count(PlanOperation.CreateFolder.class)).isEqualTo(3);
                assertThat(plan.count(PlanOperation.CreateDashboard.class)).isEqualTo(2);
                apply(plan, SaveMessage.of(head));

                BackendState after = new ManagedTree(client).read(desired.rootFolderUid(), uids);
                assertThat(after.dashboards()).hasSize(2);
                Plan again = ready(new PlanSync(desired, after).call());
                assertThat(again.operations()).isEmpty();
                assertThat(grafana.dashboard("cpu").orElseThrow().title()).isEqualTo("Elsewhere");
                assertThat(grafana.versions("memory")).singleElement()
                        .satisfies(v -> assertThat(v.message()).isEqualTo("git-sync " + head.shortName()
                                + ": Add node dashboards"));
            }
        }
    }

    private void apply(Plan plan, String message) throws Exception {
        for (PlanOperation op : plan.operations()) {
            if (op instanceof PlanOperation.CreateFolder f) {
                client.createFolder(f.uid(), f.title(), f.parentUid());
            } else if (op instanceof PlanOperation.UpdateFolder f) {
                client.renameFolder(f.uid(), f.title());
            } else if (op instanceof PlanOperation.DeleteFolder f) {
                client.deleteFolder(f.uid());
            } else if (op instanceof PlanOperation.CreateDashboard d) {
                client.saveDashboard(d.dashboard().json(), d.dashboard().folderUid(), message);
            } else if (op instanceof PlanOperation.UpdateDashboard d) {
                client.saveDashboard(d.dashboard().json(), d.dashboard().folderUid(), message);
            } else if (op instanceof PlanOperation.MoveDashboard d) {
                client.saveDashboard(d.dashboard().json(), d.dashboard().folderUid(), message);
            } else if (op instanceof PlanOperation.DeleteDashboard d) {
                client.deleteDashboard(d.uid());
            }
        }
    }

    private static Plan ready(PlanResult r) {
        assertThat(r).isInstanceOf(PlanResult.Ready.class);
        return ((PlanResult.Ready) r).plan();
    }
}
