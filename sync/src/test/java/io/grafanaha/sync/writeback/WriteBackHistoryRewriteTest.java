package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static io.grafanaha.sync.writeback.WriteBackFixture.saved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.sync.SyncService;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A force-push that drops a written-back edit is a conflict, never a reason to commit the edit again. */
class WriteBackHistoryRewriteTest {
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
    void aForcePushDroppingAWrittenBackEditPutsItOnAConflictBranchInsteadOfCommittingItAgain() throws Exception {
        SyncService sync = fx.sync(fx.settings("data"));
        pass(sync);
        WriteBack writeBack = fx.writeBack(sync);
        writeBack.start();
        fx.editCpuOnA("refresh", "2m");
        writeBack.capture(saved("grafana-a", "cpu", "alice"));
        await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").orElseThrow().contains("\"refresh\": \"2m\""));
        await().atMost(WAIT).until(() -> writeBack.status().backlog() == 0);

        forcePushParentOfMain(); // someone rolls the branch back to before the written-back commit

        pass(sync);
        await().atMost(WAIT).until(() -> writeBack.status().conflicts() == 1 && writeBack.status().backlog() == 0);
        pass(sync);
        assertThat(fx.gitFile("shared/cpu.json").orElseThrow()).as("the rollback stays").contains("\"30s\"");
        assertThat(writeBack.status().commits()).as("the edit is not committed again").isEqualTo(1);
        assertThat(fx.branches()).anyMatch(b -> b.startsWith("refs/heads/gateway/conflicts/cpu-"));
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(fx.a.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("30s"));
    }

    @Test
    void aForcePushDroppingAnEditWrittenBackBeforeARestartIsAConflictAfterIt() throws Exception {
        SyncService sync = fx.sync(fx.settings("data"));
        pass(sync);
        WriteBack writeBack = fx.writeBack(sync);
        writeBack.start();
        fx.editCpuOnA("refresh", "2m");
        writeBack.capture(saved("grafana-a", "cpu", "alice"));
        await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").orElseThrow().contains("\"refresh\": \"2m\""));
        await().atMost(WAIT).until(() -> writeBack.status().backlog() == 0);
        writeBack.close(); // the gateway stops; what it wrote back is only in Git and its data directory now
        sync.close();

        forcePushParentOfMain();

        SyncService again = fx.sync(fx.settings("data"));
        WriteBack restarted = fx.writeBack(again);
        restarted.start();
        pass(again);
        await().atMost(WAIT).until(() -> restarted.status().backlog() == 0);
        pass(again);
        await().atMost(WAIT).until(() -> restarted.status().backlog() == 0);
        assertThat(fx.gitFile("shared/cpu.json").orElseThrow()).as("the rollback stays").contains("\"30s\"");
        assertThat(restarted.status().commits()).as("the edit is not committed again").isZero();
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(fx.a.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("30s"));
    }

    private void forcePushParentOfMain() throws Exception {
        try (Repository bare = new FileRepositoryBuilder().setGitDir(fx.repo.bareDir().toFile()).build();
                RevWalk walk = new RevWalk(bare)) {
            ObjectId parent = walk.parseCommit(bare.resolve("refs/heads/main")).getParent(0);
            RefUpdate u = bare.updateRef("refs/heads/main");
            u.setNewObjectId(parent);
            u.setForceUpdate(true);
            assertThat(u.update()).isEqualTo(RefUpdate.Result.FORCED);
        }
    }
}
