package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static io.grafanaha.sync.writeback.WriteBackJournalTest.savedThroughGateway;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.sync.SyncService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failover while the write-back lags (issue 12): the last save acknowledged on grafana-a is in the journal, not yet
 * in Git nor on grafana-b, when grafana-b starts serving; a user there has loaded its stale copy.
 */
class WriteBackFailoverTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir Path tmp;
    WriteBackFixture fx;
    SyncService sync;
    WriteBack writeBack;
    /** Holds the write-back's push, as a write-back seconds behind under load does. */
    final CountDownLatch lagging = new CountDownLatch(1);

    @BeforeEach
    void setUp() throws Exception {
        fx = new WriteBackFixture(tmp);
        sync = fx.sync(fx.settings("data"));
        pass(sync);
        writeBack = fx.writeBack(sync).beforePush(() -> {
            try {
                lagging.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        writeBack.start();
    }

    @AfterEach
    void tearDown() {
        lagging.countDown();
        fx.close();
    }

    @Test
    void aStaleCopyOnTheReplicaIsRefusedWhileTheSaveAcknowledgedOnThePrimaryIsStillInTheJournal() throws Exception {
        writeBack.journal(savedThroughGateway(fx.a, "refresh", "1m")).toCompletableFuture().get(30, TimeUnit.SECONDS);

        assertThat(writeBack.wouldLoseUpdate("grafana-b", "cpu", 1))
                .as("grafana-b lacks alice's save, acknowledged on grafana-a").isTrue();
        assertThat(writeBack.wouldLoseUpdate("grafana-a", "cpu", 2)).as("grafana-a holds it").isFalse();
    }

    @Test
    void afterAFailoverTheReplicaTakesSavesAgainOnceItHoldsThePrimarysLastSaveAndNothingGoesToAConflictBranch()
            throws Exception {
        writeBack.journal(savedThroughGateway(fx.a, "refresh", "1m")).toCompletableFuture().get(30, TimeUnit.SECONDS);

        // Bob loaded grafana-b's copy, without alice's change, and saves it; the gateway asks the guard first.
        boolean bobsStaleSaveForwarded = saveOnBThroughGateway("title", "CPU (bob)");
        lagging.countDown();
        await().atMost(WAIT).until(() -> writeBack.status().backlog() == 0 && writeBack.status().commits() >= 1);

        // Grafana-b gets alice's save from Git; then bob, reloading, saves on top of it and is let through.
        await().atMost(WAIT).until(() -> !writeBack.wouldLoseUpdate("grafana-b", "cpu", 2));
        assertThat(fx.b.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("1m");
        assertThat(saveOnBThroughGateway("title", "CPU (bob, again)")).isTrue();
        await().atMost(WAIT).until(() -> writeBack.status().backlog() == 0);

        assertThat(bobsStaleSaveForwarded).as("bob's save of the stale copy got the 412").isFalse();
        assertThat(writeBack.status().conflicts()).as("conflict branches").isZero();
        assertThat(fx.gitFile("shared/cpu.json").orElseThrow()).contains("\"refresh\": \"1m\"")
                .contains("\"title\": \"CPU (bob, again)\"");
    }

    @Test
    void aReplicaBroughtUpToThePrimarysLastSaveTakesSavesAtOnceAndBothReachGitWithoutAConflict() throws Exception {
        writeBack.journal(savedThroughGateway(fx.a, "refresh", "1m")).toCompletableFuture().get(30, TimeUnit.SECONDS);

        // Bob loaded alice's version from grafana-a before it died; the gateway brings grafana-b up to it first.
        CatchUp.Behind behind = writeBack.catchUp().behind("grafana-b", "cpu").orElseThrow();
        assertThat(writeBack.catchUp().bringUp("grafana-b", behind)).isTrue();
        assertThat(fx.b.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("1m");
        assertThat(saveOnBThroughGateway("title", "CPU (bob, on alice's)")).as("the guard lets it through").isTrue();
        pass(sync); // a pass that read Git's older head leaves grafana-b alone
        assertThat(fx.b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU (bob, on alice's)");

        lagging.countDown();
        await().atMost(WAIT).until(() -> writeBack.status().backlog() == 0 && writeBack.status().commits() == 2);
        assertThat(writeBack.status().conflicts()).as("conflict branches").isZero();
        assertThat(fx.gitFile("shared/cpu.json").orElseThrow()).contains("\"refresh\": \"1m\"")
                .contains("\"title\": \"CPU (bob, on alice's)\"");
        await().atMost(WAIT).until(() -> !writeBack.wouldLoseUpdate("grafana-b", "cpu", 4));
    }

    @Test
    void aReplicaWhoseOwnEditWentToAConflictBranchGetsGitsVersionAndTakesSavesAgain() throws Exception {
        assertThat(saveOnBThroughGateway("title", "CPU (bob)")).isTrue();
        fx.workspace.pull();
        String upstream = fx.workspace.readFile("shared/cpu.json").orElseThrow().replace("\"30s\"", "\"10s\"");
        fx.workspace.writeFile("shared/cpu.json", upstream).commitAndPush("faster in Git");

        lagging.countDown();
        await().atMost(WAIT).until(() -> writeBack.status().conflicts() == 1);

        // Bob's edit is on its branch; grafana-b, with nothing of its own pending, gets Git's version at once.
        await().atMost(WAIT).until(() -> !writeBack.wouldLoseUpdate("grafana-b", "cpu", 3)
                && "10s".equals(fx.b.dashboard("cpu").orElseThrow().json().path("refresh").asText()));
        assertThat(saveOnBThroughGateway("title", "CPU (bob, on Git's version)")).isTrue();
        await().atMost(WAIT).until(() -> writeBack.status().commits() == 1);
        assertThat(fx.gitFile("shared/cpu.json").orElseThrow()).contains("\"refresh\": \"10s\"")
                .contains("\"title\": \"CPU (bob, on Git's version)\"");
    }

    /** What the gateway does with a save on grafana-b: the lost-update guard, else the save and its journal entry. */
    private boolean saveOnBThroughGateway(String key, String value) throws Exception {
        if (writeBack.wouldLoseUpdate("grafana-b", "cpu", fx.b.dashboard("cpu").orElseThrow().version())) {
            return false;
        }
        writeBack.journal(savedThroughGateway(fx.b, key, value)).toCompletableFuture().get(30, TimeUnit.SECONDS);
        return true;
    }
}
