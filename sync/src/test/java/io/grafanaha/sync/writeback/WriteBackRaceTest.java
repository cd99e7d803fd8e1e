package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static io.grafanaha.sync.writeback.WriteBackFixture.saved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.sync.SyncService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pushes that race another writer, and edits that conflict with a change in Git. */
class WriteBackRaceTest {
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
        writeBack = fx.writeBack(sync);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    @Test
    void aPushRejectedByAConcurrentPushIsReappliedOnTheNewHead() throws Exception {
        AtomicBoolean raced = new AtomicBoolean();
        writeBack.beforePush(() -> {
            if (raced.compareAndSet(false, true)) {
                fx.workspace.pull();
                fx.workspace.writeFile("shared/other.json", "{\"uid\":\"other\",\"title\":\"Other\"}\n")
                        .commitAndPush("someone else pushes first");
            }
        });
        writeBack.start();
        fx.editCpuOnA("refresh", "1m");

        writeBack.capture(saved("grafana-a", "cpu", "alice"));

        await().atMost(WAIT).until(() -> writeBack.status().commits() == 1);
        assertThat(fx.gitFile("shared/cpu.json").orElseThrow()).contains("\"refresh\": \"1m\"");
        assertThat(fx.gitFile("shared/other.json")).isPresent();
        assertThat(fx.repo.log()).extracting(c -> c.shortMessage())
                .startsWith("Update dashboard \"CPU\" from grafana-a", "someone else pushes first");
        assertThat(writeBack.status().conflicts()).isZero();
    }

    @Test
    void anEditOfAFileChangedUpstreamGoesToAConflictBranchAndGitKeepsItsVersion() throws Exception {
        writeBack.start();
        fx.workspace.pull();
        String upstream = fx.workspace.readFile("shared/cpu.json").orElseThrow().replace("\"30s\"", "\"10s\"");
        fx.workspace.writeFile("shared/cpu.json", upstream).commitAndPush("faster in Git");
        fx.editCpuOnA("title", "CPU (mine)");

        writeBack.capture(saved("grafana-a", "cpu", "alice"));

        await().atMost(WAIT).until(() -> writeBack.status().conflicts() == 1);
        assertThat(fx.gitFile("shared/cpu.json")).contains(upstream);
        String branch = fx.branches().stream().filter(b -> b.startsWith("refs/heads/gateway/conflicts/cpu-"))
                .findFirst().orElseThrow();
        String theirs = fx.repo.readFile(branch, "shared/cpu.json").orElseThrow();
        assertThat(theirs).contains("\"title\": \"CPU (mine)\"").contains("\"refresh\": \"30s\"");
        assertThat(fx.events).anyMatch(e -> e instanceof WriteBackEvent.Conflicted c
                && branch.equals("refs/heads/" + c.branch()));
        assertThat(writeBack.status().commits()).isZero();
        // Git wins on every backend; the user's version waits on the branch.
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(fx.a.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU"));
    }

    @Test
    void wouldLoseUpdateIsTrueWhileABackendLacksGitsLatestContent() throws Exception {
        writeBack.start();
        assertThat(writeBack.wouldLoseUpdate("grafana-b", "cpu", 1)).isFalse();
        fx.editCpuOnA("refresh", "1m");
        long passes = sync.status().passes();
        fx.b.inject5xx(503, 1); // the fan-out pass cannot read B

        writeBack.capture(saved("grafana-a", "cpu", "alice"));
        await().atMost(WAIT).until(() -> writeBack.status().commits() == 1 && sync.status().passes() > passes);

        assertThat(writeBack.wouldLoseUpdate("grafana-a", "cpu", 2)).as("the origin").isFalse();
        assertThat(writeBack.wouldLoseUpdate("grafana-b", "cpu", 1)).as("B before it got the change").isTrue();
        pass(sync);
        assertThat(fx.b.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("1m");
        assertThat(writeBack.wouldLoseUpdate("grafana-b", "cpu", 2)).isFalse();
    }
}
