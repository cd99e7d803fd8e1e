package io.grafanaha.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.sync.plan.DeleteLimit;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Library panels from {@code library-panels/} in Git, on two emulators. */
class LibraryPanelSyncTest {
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

    static String panel(String uid, String name, String type) {
        return """
                {"uid": "%s", "name": "%s", "kind": 1, "id": 7, "version": 3, "orgId": 1,
                 "model": {"type": "%s", "title": "%s"},
                 "meta": {"folderName": "whatever", "connectedDashboards": 1}}
                """.formatted(uid, name, type, name);
    }

    static String usingPanel(String uid, String title, String panelUid) {
        return """
                {"uid": "%s", "title": "%s", "schemaVersion": 39,
                 "panels": [{"id": 1, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
                             "libraryPanel": {"uid": "%s", "name": "x"}}]}
                """.formatted(uid, title, panelUid);
    }

    private void sync(SyncService sync) throws Exception {
        sync.requestSync("test").get(20, TimeUnit.SECONDS);
    }

    @Test
    void aPanelInGitIsCreatedOnEveryInstanceBeforeTheDashboardThatUsesIt() throws Exception {
        fx.push("add", "shared/library-panels/cpu.json", panel("lib-cpu", "CPU panel", "timeseries"),
                "shared/team/cpu.json", usingPanel("cpu", "CPU", "lib-cpu"));

        sync(fx.service());

        for (GrafanaEmulator g : new GrafanaEmulator[] {fx.a, fx.b}) {
            assertThat(g.libraryElements()).containsOnlyKeys("lib-cpu");
            var p = g.libraryElements().get("lib-cpu");
            assertThat(p.name()).isEqualTo("CPU panel");
            assertThat(p.type()).isEqualTo("timeseries");
            assertThat(g.folders().get(p.folderUid()).title()).as("in the managed root folder")
                    .isEqualTo("grafana-manifests");
            assertThat(g.renderErrors("cpu")).isEmpty();
            assertThat(g.folders().values()).as("library-panels/ is not a folder")
                    .noneMatch(f -> f.title().equals("library-panels"));
        }
    }

    @Test
    void aChangedFileUpdatesThePanelAndAnUnchangedOneIsNotWrittenAgain() throws Exception {
        fx.push("add", "shared/library-panels/cpu.json", panel("lib-cpu", "CPU panel", "timeseries"));
        SyncService sync = fx.service();
        sync(sync);
        sync(sync);
        assertThat(fx.a.libraryElements().get("lib-cpu").version()).isEqualTo(1);

        fx.push("change", "shared/library-panels/cpu.json", panel("lib-cpu", "CPU panel", "stat"));
        sync(sync);

        assertThat(fx.a.libraryElements().get("lib-cpu").type()).isEqualTo("stat");
        assertThat(fx.b.libraryElements().get("lib-cpu").version()).isEqualTo(2);
        assertThat(sync.status().backends().get("grafana-a").fresh()).isTrue();
    }

    @Test
    void aPanelRemovedFromGitWithItsDashboardIsDeletedAfterTheDashboard() throws Exception {
        fx.push("add", "shared/library-panels/cpu.json", panel("lib-cpu", "CPU panel", "timeseries"),
                "shared/library-panels/mem.json", panel("lib-mem", "Memory panel", "timeseries"),
                "shared/cpu.json", usingPanel("cpu", "CPU", "lib-cpu"));
        SyncService sync = fx.service();
        sync(sync);

        fx.workspace.deleteFile("shared/library-panels/cpu.json").deleteFile("shared/cpu.json");
        fx.workspace.commitAndPush("remove cpu");
        sync(sync);

        assertThat(fx.a.libraryElements()).containsOnlyKeys("lib-mem");
        assertThat(fx.b.libraryElements()).containsOnlyKeys("lib-mem");
        assertThat(fx.a.dashboards()).doesNotContainKey("cpu");
        assertThat(sync.status().backends().get("grafana-b").lastError()).isEmpty();
    }

    @Test
    void aBadFileIsReportedAndTheOthersStillApplyButNoPanelIsDeleted() throws Exception {
        fx.push("add", "shared/library-panels/cpu.json", panel("lib-cpu", "CPU panel", "timeseries"),
                "shared/library-panels/old.json", panel("lib-old", "Old panel", "timeseries"));
        SyncService sync = fx.service();
        sync(sync);

        fx.workspace.deleteFile("shared/library-panels/old.json");
        fx.push("break", "shared/library-panels/bad.json", "{ not json",
                "shared/library-panels/mem.json", panel("lib-mem", "Memory panel", "timeseries"));
        sync(sync);

        assertThat(fx.a.libraryElements()).containsKeys("lib-cpu", "lib-mem")
                .as("held: the bad file may be it").containsKey("lib-old");
        assertThat(sync.status().fileErrors()).anySatisfy(e -> {
            assertThat(e.path()).isEqualTo("shared/library-panels/bad.json");
            assertThat(e.message()).contains("invalid JSON");
        });
    }

    @Test
    void aDashboardUsingAPanelMissingInGitIsReportedAndNotApplied() throws Exception {
        fx.push("add", "shared/library-panels/cpu.json", panel("lib-cpu", "CPU panel", "timeseries"),
                "shared/cpu.json", usingPanel("cpu", "CPU", "lib-cpu"),
                "shared/disk.json", usingPanel("disk", "Disk", "lib-disk"));
        SyncService sync = fx.service();

        sync(sync);

        assertThat(fx.a.dashboards()).containsKey("cpu").doesNotContainKey("disk");
        assertThat(fx.b.dashboards()).containsKey("cpu").doesNotContainKey("disk");
        assertThat(sync.status().fileErrors()).anySatisfy(e -> {
            assertThat(e.path()).isEqualTo("shared/disk.json");
            assertThat(e.message()).contains("lib-disk").contains("library-panels/");
        });
    }

    @Test
    void removingMostPanelsAtOnceIsRefusedByTheDeletionGuard() throws Exception {
        String[] files = new String[20];
        for (int i = 0; i < 10; i++) {
            files[2 * i] = "shared/library-panels/p" + i + ".json";
            files[2 * i + 1] = panel("p" + i, "Panel " + i, "stat");
        }
        fx.push("add", files);
        SyncService sync = fx.service(fx.settings().withDeleteLimit(DeleteLimit.percent(10)));
        sync(sync);
        assertThat(fx.a.libraryElements()).hasSize(10);

        for (int i = 0; i < 5; i++) {
            fx.workspace.deleteFile("shared/library-panels/p" + i + ".json");
        }
        fx.workspace.commitAndPush("remove half");
        sync(sync);

        assertThat(fx.a.libraryElements()).hasSize(10);
        assertThat(sync.status().backends().get("grafana-a").lastError()).get().asString()
                .contains("library panels").contains("sync.max-deletes");
    }

    @Test
    void theDryRunPrintsTheLibraryPanelPlanAndWritesNothing() throws Exception {
        fx.push("add", "shared/library-panels/cpu.json", panel("lib-cpu", "CPU panel", "timeseries"));
        SyncService sync = fx.service();

        sync.plan();
        var plans = sync.planLibraryPanels();

        assertThat(plans.get("grafana-a")).contains("create library panel \"CPU panel\" (uid lib-cpu, "
                + "shared/library-panels/cpu.json)");
        assertThat(fx.a.libraryElements()).isEmpty();
    }
}
