package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static io.grafanaha.sync.writeback.WriteBackJournalTest.savedThroughGateway;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.sync.SyncService;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Git is down while alice's save on grafana-a waits in the journal; grafana-b is brought up to it and bob saves on top
 * of it there. Git comes back in the middle of a write-back turn: right after alice's edit failed once more and
 * before bob's is tried (the moment CI's load hit, at random, about one run in five).
 */
class WriteBackCatchUpOrderTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir Path tmp;
    WriteBackFixture fx;
    SyncService sync;
    WriteBack writeBack;

    @BeforeEach
    void setUp() throws Exception {
        fx = new WriteBackFixture(tmp);
        sync = fx.sync(fx.settings("data"));
        pass(sync);
        // Git returns as soon as grafana-a's edit fails with both edits pending: on the write-back's thread, between
        // that failure and the next edit's attempt.
        writeBack = new WriteBack(sync, event -> {
            fx.events.add(event);
            if (event instanceof WriteBackEvent.Failed f && f.edit().backend().equals("grafana-a")
                    && writeBack.status().backlog() == 2) {
                fx.git.unavailable(false);
            }
        }, Clock.systemUTC(), fx.threads.writeBack()).setPollInterval(Duration.ZERO);
        fx.git.unavailable(true);
        writeBack.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        writeBack.close();
        fx.close();
    }

    @Test
    void anEditMadeOnTopOfTheBroughtUpSaveReachesGitAfterItAndNothingGoesToAConflictBranch() throws Exception {
        writeBack.journal(savedThroughGateway(fx.a, "refresh", "1m")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> writeBack.status().failures() >= 1);
        CatchUp.Behind behind = writeBack.catchUp().behind("grafana-b", "cpu").orElseThrow();
        assertThat(writeBack.catchUp().bringUp("grafana-b", behind)).isTrue();
        assertThat(writeBack.wouldLoseUpdate("grafana-b", "cpu", fx.b.dashboard("cpu").orElseThrow().version()))
                .as("the guard lets bob's save through").isFalse();

        writeBack.journal(savedThroughGateway(fx.b, "title", "CPU (bob, on alice's)")).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);

        await().atMost(WAIT).until(() -> writeBack.status().backlog() == 0);
        assertThat(writeBack.status().conflicts()).as("conflicts counted").isZero();
        assertThat(fx.branches()).noneMatch(b -> b.contains("conflicts"));
        assertThat(fx.gitFile("shared/cpu.json").orElseThrow()).contains("\"refresh\": \"1m\"")
                .contains("\"title\": \"CPU (bob, on alice's)\"");
        assertThat(fx.repo.log().stream().map(c -> c.shortMessage()).toList()).as("alice's edit, then bob's")
                .startsWith("Update dashboard \"CPU (bob, on alice's)\" from grafana-b",
                        "Update dashboard \"CPU\" from grafana-a");
    }

    /** Without the catch-up bob's save was made on the content alice started from: a real conflict, kept as one. */
    @Test
    void anEditMadeOnTheSameBaseOnTheOtherBackendStillGoesToAConflictBranch() throws Exception {
        writeBack.journal(savedThroughGateway(fx.a, "refresh", "1m")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> writeBack.status().failures() >= 1);

        writeBack.journal(savedThroughGateway(fx.b, "title", "CPU (bob)")).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);

        await().atMost(WAIT).until(() -> writeBack.status().backlog() == 0);
        assertThat(writeBack.status().conflicts()).as("conflicts counted").isEqualTo(1);
        assertThat(fx.branches()).anyMatch(b -> b.contains("conflicts/cpu-"));
        assertThat(fx.gitFile("shared/cpu.json").orElseThrow()).contains("\"title\": \"CPU (bob)\"")
                .doesNotContain("\"refresh\": \"1m\"");
    }
}
