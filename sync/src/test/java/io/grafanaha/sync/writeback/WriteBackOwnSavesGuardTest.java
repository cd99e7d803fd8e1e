package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static io.grafanaha.sync.writeback.WriteBackJournalTest.savedThroughGateway;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.sync.SyncService;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lost-update guard never refuses a save because of the serving instance's own saves being committed: seen in the
 * failover bench as a 412 on the instance that serves, within a second of a run of its own saves of that dashboard
 * reaching Git, with no other user involved. The races are driven by holding the write-back's thread and by its
 * push and event hooks, never by sleeping; a backend that really lacks a save is still refused.
 */
class WriteBackOwnSavesGuardTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir Path tmp;
    WriteBackFixture fx;
    SyncService sync;
    WriteBackThreads threads;
    WriteBack writeBack;
    final List<WriteBackEvent> events = new CopyOnWriteArrayList<>();
    /** Runs on the write-back's thread for each commit, before its edit is marked done in the journal. */
    volatile Consumer<WriteBackEvent.Committed> onCommitted = c -> {};
    final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void setUp() throws Exception {
        fx = new WriteBackFixture(tmp);
        sync = fx.sync(fx.settings("data"));
        pass(sync); // both instances hold Git's cpu, and the guard knows it
        threads = fx.threads.writeBack();
        writeBack = new WriteBack(sync, e -> {
            events.add(e);
            if (e instanceof WriteBackEvent.Committed c) {
                onCommitted.accept(c);
            }
        }, Clock.systemUTC(), threads).setPollInterval(Duration.ZERO);
        // Held until the test has journaled every save: they are then committed in one run and pushed at once.
        threads.commits().execute(() -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        writeBack.start();
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        writeBack.close();
        fx.close();
    }

    @Test
    void anInstancesOwnSavesPushedTogetherNeverMakeItLookBehindGit() throws Exception {
        List<Boolean> refusedOnA = new CopyOnWriteArrayList<>();
        List<Boolean> refusedOnB = new CopyOnWriteArrayList<>();
        writeBack.beforePush(() -> {
            refusedOnA.add(writeBack.wouldLoseUpdate("grafana-a", "cpu", 0));
            refusedOnB.add(writeBack.wouldLoseUpdate("grafana-b", "cpu", 0));
        });
        journal(savedThroughGateway(fx.a, "refresh", "1m"));
        journal(savedThroughGateway(fx.a, "title", "CPU (alice)"));

        release.countDown();
        await().atMost(WAIT).until(() -> writeBack.status().commits() == 2);

        assertThat(refusedOnA).as("one push for both saves").hasSize(1);
        // Before the fix the first save's local commit was taken for Git's head while the push was in flight.
        assertThat(refusedOnA).as("grafana-a's next save while its own saves are pushed").containsOnly(false);
        assertThat(refusedOnB).as("grafana-b lacks both saves: a save of its copy is a real conflict")
                .containsOnly(true);
        assertThat(writeBack.wouldLoseUpdate("grafana-a", "cpu", 0)).as("once they are in Git").isFalse();
        assertThat(fx.gitFile("shared/cpu.json").orElseThrow()).contains("\"refresh\": \"1m\"")
                .contains("CPU (alice)");
    }

    @Test
    void aSaveFoundAgainInTheSameRunDoesNotMakeItsInstanceLookBehindGitWhileThePushIsInFlight() throws Exception {
        List<Boolean> refusedOnA = new CopyOnWriteArrayList<>();
        writeBack.beforePush(() -> refusedOnA.add(writeBack.wouldLoseUpdate("grafana-a", "cpu", 0)));
        journal(savedThroughGateway(fx.a, "refresh", "1m"));
        // Polling (or a second capture) finds the same version: nothing to commit on top of the first save's commit.
        journal(WriteBackFixture.saved("grafana-a", "cpu", "alice"));

        release.countDown();
        await().atMost(WAIT).until(() -> writeBack.status().backlog() == 0);

        assertThat(writeBack.status().commits()).isEqualTo(1);
        assertThat(refusedOnA).as("grafana-a's next save while its save is pushed").containsExactly(false);
        assertThat(writeBack.wouldLoseUpdate("grafana-a", "cpu", 0)).isFalse();
    }

    @Test
    void anInstanceBroughtUpToAnotherSaveIsNotSetBackWhenItsOwnSaveOnTopIsPushedWithIt() throws Exception {
        // grafana-a acknowledged alice's save; grafana-b serves now, is brought up to it, and bob saves on top there.
        CapturedEdit alice = savedThroughGateway(fx.a, "refresh", "1m");
        journal(alice);
        CatchUp.Behind behind = writeBack.catchUp().behind("grafana-b", "cpu").orElseThrow();
        assertThat(writeBack.catchUp().bringUp("grafana-b", behind)).isTrue();
        CapturedEdit bob = savedThroughGateway(fx.b, "title", "CPU (bob)");
        journal(bob);
        List<Boolean> refusedOnB = new CopyOnWriteArrayList<>();
        onCommitted = c -> {
            if (c.edit().equals(bob)) {
                refusedOnB.add(writeBack.wouldLoseUpdate("grafana-b", "cpu", 0));
            }
        };

        release.countDown();
        await().atMost(WAIT).until(() -> writeBack.status().commits() == 2);

        // Before the fix, alice's commit, reported after both were pushed, recorded grafana-b as holding her older
        // blob: Git's head (bob's) looked unreceived there until the next pass.
        assertThat(refusedOnB).as("bob's next save on grafana-b once both are in Git").containsExactly(false);
        assertThat(writeBack.status().conflicts()).isZero();
        assertThat(fx.gitFile("shared/cpu.json").orElseThrow()).contains("\"refresh\": \"1m\"").contains("CPU (bob)");
    }

    private void journal(CapturedEdit edit) throws Exception {
        writeBack.journal(edit).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
