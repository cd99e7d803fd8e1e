package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.grafana.HttpGrafanaClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Folders created, renamed and deleted in Grafana become directories and {@code _folder.json} files. */
class WriteBackFolderTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir Path tmp;
    WriteBackFixture fx;
    WriteBack writeBack;
    HttpGrafanaClient a;
    String root;
    String team;

    @BeforeEach
    void setUp() throws Exception {
        fx = new WriteBackFixture(tmp);
        SyncService sync = fx.sync(fx.settings("data"));
        pass(sync);
        writeBack = fx.writeBack(sync);
        writeBack.start();
        a = HttpGrafanaClient.create("grafana-a", URI.create(fx.a.url()), fx.a.token());
        root = fx.a.dashboard("cpu").orElseThrow().folderUid();
        team = fx.a.dashboard("net").orElseThrow().folderUid();
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private void capture(CapturedEdit.Kind kind, String uid) throws Exception {
        writeBack.capture(new CapturedEdit("grafana-a", kind, uid, Optional.of("alice"), Instant.now()));
    }

    @Test
    void aNewFolderBecomesADirectoryPinnedByFolderJson() throws Exception {
        a.createFolder("ops-folder", "Ops Team", Optional.of(root));

        capture(CapturedEdit.Kind.FOLDER_SAVED, "ops-folder");

        await().atMost(WAIT).until(() -> fx.gitFile("shared/ops-team/_folder.json").isPresent());
        assertThat(fx.gitFile("shared/ops-team/_folder.json").orElseThrow())
                .contains("\"name\": \"ops-folder\"").contains("\"title\": \"Ops Team\"");
        await().atMost(WAIT).until(() -> fx.b.folders().containsKey("ops-folder"));
    }

    @Test
    void aRenamedFolderKeepsItsDirectoryAndUid() throws Exception {
        a.renameFolder(team, "Team Network");

        capture(CapturedEdit.Kind.FOLDER_SAVED, team);

        await().atMost(WAIT).until(() -> fx.gitFile("shared/team/_folder.json").isPresent());
        assertThat(fx.gitFile("shared/team/_folder.json").orElseThrow()).contains(team).contains("Team Network");
        await().atMost(WAIT).until(() -> fx.b.folders().get(team).title().equals("Team Network"));
        assertThat(fx.b.dashboard("net").orElseThrow().folderUid()).isEqualTo(team);
    }

    @Test
    void aDeletedFolderRemovesItsDirectory() throws Exception {
        a.deleteFolder(team);

        capture(CapturedEdit.Kind.FOLDER_DELETED, team);

        await().atMost(WAIT).until(() -> fx.gitFile("shared/team/net.yaml").isEmpty());
        assertThat(fx.repo.log().get(0).shortMessage()).isEqualTo("Delete folder \"team\" from grafana-a");
        await().atMost(WAIT).until(() -> fx.b.dashboard("net").isEmpty() && !fx.b.folders().containsKey(team));
    }

    @Test
    void deletingTheLastDashboardOfAFolderKeepsTheFolder() throws Exception {
        a.deleteDashboard("net"); // the only dashboard in team/: the user deletes it, not the folder

        capture(CapturedEdit.Kind.DASHBOARD_DELETED, "net");

        await().atMost(WAIT).until(() -> fx.gitFile("shared/team/net.yaml").isEmpty());
        assertThat(fx.gitFile("shared/team/.gitkeep")).as("the directory stays").isPresent();
        await().atMost(WAIT).until(() -> fx.b.dashboard("net").isEmpty());
        assertThat(fx.b.folders()).containsKey(team);
        assertThat(fx.a.folders()).containsKey(team);
    }
}
