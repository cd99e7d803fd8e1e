package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.grafana.HttpGrafanaClient;
import io.grafanaha.testkit.grafana.StoredFolder;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dashboard deleted straight on an instance while no gateway ran is an edit like any other: the next start writes
 * the delete back instead of creating the dashboard again. An instance that lost its managed tree is refilled.
 */
class WriteBackDeletedWhileStoppedTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir Path tmp;
    WriteBackFixture fx;

    @BeforeEach
    void setUp() {
        fx = new WriteBackFixture(tmp);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    @Test
    void aDashboardDeletedOnAnInstanceWhileTheGatewayWasStoppedIsDeletedInGitAndEverywhereAtTheNextStart()
            throws Exception {
        stoppedAfterOnePass();
        HttpGrafanaClient.create("grafana-a", URI.create(fx.a.url()), fx.a.token()).deleteDashboard("cpu");

        SyncService after = fx.sync(fx.settings("data"));
        WriteBack restarted = fx.writeBack(after);
        restarted.start();
        pass(after);

        await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").isEmpty());
        await().atMost(WAIT).until(() -> restarted.status().backlog() == 0);
        pass(after);
        assertThat(fx.a.dashboard("cpu")).isEmpty();
        assertThat(fx.b.dashboard("cpu")).isEmpty();
        assertThat(fx.gitFile("shared/team/net.yaml")).isPresent();
    }

    @Test
    void anInstanceThatLostItsManagedFolderWhileTheGatewayWasStoppedIsRefilledNotEmptiedInGit() throws Exception {
        stoppedAfterOnePass();
        String root = fx.a.folders().values().stream().filter(f -> f.parentUid().isEmpty()).map(StoredFolder::uid)
                .findFirst().orElseThrow();
        HttpGrafanaClient.create("grafana-a", URI.create(fx.a.url()), fx.a.token()).deleteFolder(root);
        assertThat(fx.a.dashboard("cpu")).isEmpty();

        SyncService after = fx.sync(fx.settings("data"));
        WriteBack restarted = fx.writeBack(after);
        restarted.start();
        pass(after);

        await().atMost(WAIT).until(() -> fx.a.dashboard("cpu").isPresent() && fx.a.dashboard("net").isPresent());
        await().atMost(WAIT).until(() -> restarted.status().backlog() == 0);
        assertThat(fx.gitFile("shared/cpu.json")).isPresent();
        assertThat(fx.gitFile("shared/team/net.yaml")).isPresent();
        assertThat(restarted.status().commits()).isZero();
    }

    /** A gateway that synced both instances once, then stopped. */
    private void stoppedAfterOnePass() throws Exception {
        SyncService before = fx.sync(fx.settings("data"));
        WriteBack writeBack = fx.writeBack(before);
        writeBack.start();
        pass(before);
        assertThat(fx.a.dashboard("cpu")).isPresent();
        writeBack.close();
        before.close();
    }
}
