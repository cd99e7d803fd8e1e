package io.grafanaha.sync;

import static io.grafanaha.sync.SyncFixture.dashboard;
import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.sync.desired.SyncScope;
import io.grafanaha.sync.plan.DeleteLimit;
import io.grafanaha.testkit.grafana.StoredDashboard;
import io.grafanaha.testkit.grafana.StoredFolder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sync.scope: instance}: the repository path is the instance root, General included. */
class InstanceScopeTest {
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

    private static com.fasterxml.jackson.databind.node.ObjectNode json(String text) throws Exception {
        return (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(text);
    }

    private SyncService instance() throws Exception {
        return fx.service(fx.settings().withScope(SyncScope.INSTANCE));
    }

    @Test
    void topLevelFilesAreGeneralDashboardsAndDirectoriesTopLevelFolders() throws Exception {
        fx.push("add", "shared/home.json", dashboard("home", "Home"),
                "shared/team/cpu.json", dashboard("cpu", "CPU"));

        instance().requestSync("test").get(20, TimeUnit.SECONDS);

        for (var g : new io.grafanaha.testkit.grafana.GrafanaEmulator[] {fx.a, fx.b}) {
            assertThat(g.dashboards().get("home").folderUid()).isEmpty();
            StoredFolder team = g.folders().values().stream().filter(f -> f.title().equals("team")).findFirst()
                    .orElseThrow();
            assertThat(team.parentUid()).isEmpty();
            assertThat(g.dashboards().get("cpu").folderUid()).isEqualTo(team.uid());
            assertThat(g.folders()).hasSize(1); // no root folder named after the repository
        }
    }

    @Test
    void aNoChangePassWritesNothing() throws Exception {
        fx.push("add", "shared/home.json", dashboard("home", "Home"), "shared/team/cpu.json", dashboard("cpu", "CPU"));
        SyncService sync = instance();
        sync.requestSync("first").get(20, TimeUnit.SECONDS);

        sync.requestSync("again").get(20, TimeUnit.SECONDS);

        assertThat(fx.a.versions("home")).hasSize(1);
        assertThat(fx.a.versions("cpu")).hasSize(1);
    }

    @Test
    void aGeneralDashboardNotInGitIsDeletedWithinTheDeletionGuard() throws Exception {
        fx.push("add", "shared/home.json", dashboard("home", "Home"));
        fx.a.putDashboard(json(dashboard("stray", "Stray")), "");

        instance().requestSync("test").get(20, TimeUnit.SECONDS);

        assertThat(fx.a.dashboards()).containsOnlyKeys("home");
    }

    @Test
    void theDeletionGuardRefusesToEmptyGeneral() throws Exception {
        fx.push("add", "shared/home.json", dashboard("home", "Home"));
        for (int i = 0; i < 5; i++) {
            fx.a.putDashboard(json(dashboard("old-" + i, "Old " + i)), "");
        }

        SyncService sync = fx.service(fx.settings().withScope(SyncScope.INSTANCE)
                .withDeleteLimit(DeleteLimit.percent(10)));
        sync.requestSync("test").get(20, TimeUnit.SECONDS);

        assertThat(fx.a.dashboards()).containsKeys("old-0", "old-4");
        assertThat(sync.status().backends().get("grafana-a").lastError()).get().asString()
                .contains("sync.max-deletes");
        assertThat(fx.b.dashboards()).containsOnlyKeys("home");
    }

    @Test
    void folderScopeStillLeavesGeneralAlone() throws Exception {
        fx.push("add", "shared/home.json", dashboard("home", "Home"));
        StoredDashboard stray = fx.a.putDashboard(json(dashboard("stray", "Stray")), "");

        fx.service().requestSync("test").get(20, TimeUnit.SECONDS);

        assertThat(fx.a.dashboards().get("stray").version()).isEqualTo(stray.version());
        assertThat(fx.a.dashboards().get("home").folderUid()).isNotEmpty();
    }
}
