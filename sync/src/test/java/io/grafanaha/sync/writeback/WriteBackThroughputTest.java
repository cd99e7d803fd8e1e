package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.sync.SyncService;
import io.grafanaha.testkit.git.CommitInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Queued edits are committed in order, one commit each, and pushed together. */
class WriteBackThroughputTest {
    private static final int EDITS = 100;
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
    void aHundredQueuedEditsReachGitAsAHundredCommitsInOrder() throws Exception {
        SyncService sync = fx.sync(fx.settings("data"));
        pass(sync);
        WriteBack writeBack = fx.writeBack(sync);
        int before = fx.repo.log().size();
        List<CompletableFuture<Void>> journaled = new ArrayList<>();
        for (int i = 1; i <= EDITS; i++) {
            journaled.add(writeBack.journal(WriteBackJournalTest.savedThroughGateway(fx.a, "refresh", i + "m"))
                    .toCompletableFuture());
        }
        CompletableFuture.allOf(journaled.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        long start = System.nanoTime();
        writeBack.start();

        await().atMost(Duration.ofSeconds(60)).until(() -> writeBack.status().backlog() == 0);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("write-back: %d edits committed in %.2f s (%.1f commits/s)%n", EDITS, seconds,
                EDITS / seconds);

        List<CommitInfo> log = fx.repo.log();
        assertThat(log).hasSize(before + EDITS);
        assertThat(writeBack.status().commits()).isEqualTo(EDITS);
        try (Git g = Git.open(fx.repo.bareDir().toFile())) {
            List<RevCommit> newest = new ArrayList<>();
            g.log().setMaxCount(EDITS).call().forEach(newest::add);
            for (int i = 0; i < EDITS; i++) {
                RevCommit c = newest.get(EDITS - 1 - i);
                String file = new String(g.getRepository().open(org.eclipse.jgit.treewalk.TreeWalk.forPath(
                        g.getRepository(), "shared/cpu.json", c.getTree()).getObjectId(0)).getBytes());
                assertThat(file).as("commit %d holds edit %d", i + 1, i + 1).contains("\"refresh\": \"" + (i + 1)
                        + "m\"");
            }
        }
    }
}
