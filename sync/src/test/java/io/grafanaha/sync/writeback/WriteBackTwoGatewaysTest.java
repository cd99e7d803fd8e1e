package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static io.grafanaha.sync.writeback.WriteBackFixture.saved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.sync.SyncService;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateways on one repository and the same backends, each with its own memory: the same edit captured by both is
 * kept once, and an edit already written back is never mistaken for a new one when Git has moved on.
 */
class WriteBackTwoGatewaysTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir Path tmp;
    WriteBackFixture fx;
    SyncService firstSync;
    SyncService secondSync;
    WriteBack first;
    WriteBack second;

    @BeforeEach
    void setUp() throws Exception {
        fx = new WriteBackFixture(tmp);
        firstSync = fx.sync(fx.settings("gw1"));
        secondSync = fx.sync(fx.settings("gw2"));
        pass(firstSync);
        pass(secondSync);
        first = fx.writeBack(firstSync);
        second = fx.writeBack(secondSync);
        first.start();
        second.start();
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private String changeInGit(String from, String to) {
        fx.workspace.pull();
        String changed = fx.workspace.readFile("shared/cpu.json").orElseThrow().replace(from, to);
        fx.workspace.writeFile("shared/cpu.json", changed).commitAndPush("changed in Git");
        return changed;
    }

    private long conflictBranches() throws Exception {
        return fx.branches().stream().filter(b -> b.startsWith("refs/heads/gateway/conflicts/cpu-")).count();
    }

    @Test
    void anEditTheOtherGatewayWroteBackIsNotCommittedAgainOverANewerChangeNorCalledAConflict() throws Exception {
        fx.editCpuOnA("refresh", "1m");
        first.capture(saved("grafana-a", "cpu", "alice"));
        await().atMost(WAIT).until(() -> first.status().commits() == 1);
        String newer = changeInGit("\"CPU\"", "\"CPU (Git)\"");

        // The second gateway finds the same save on A late (say, by polling), while A still holds it.
        second.capture(saved("grafana-a", "cpu", "alice"));
        await().atMost(WAIT).until(() -> second.status().backlog() == 0);

        assertThat(fx.gitFile("shared/cpu.json")).as("Git's newer change stays").contains(newer);
        assertThat(second.status().commits()).isZero();
        assertThat(second.status().conflicts()).isZero();
        assertThat(conflictBranches()).isZero();
        assertThat(fx.events).anyMatch(e -> e instanceof WriteBackEvent.Skipped s
                && s.reason().contains("already kept at commit"));
    }

    @Test
    void aConflictingEditCapturedByBothGatewaysGetsOneConflictBranch() throws Exception {
        String upstream = changeInGit("\"30s\"", "\"10s\"");
        fx.editCpuOnA("title", "CPU (mine)");

        first.capture(saved("grafana-a", "cpu", "alice"));
        await().atMost(WAIT).until(() -> first.status().conflicts() == 1);
        second.capture(saved("grafana-a", "cpu", "alice"));
        await().atMost(WAIT).until(() -> second.status().backlog() == 0);

        assertThat(conflictBranches()).isEqualTo(1);
        assertThat(second.status().conflicts()).isZero();
        assertThat(fx.gitFile("shared/cpu.json")).contains(upstream);
    }

    @Test
    void anEditMadeOnTopOfAChangeTheOtherGatewayAppliedIsCommittedWithoutConflict() throws Exception {
        changeInGit("\"30s\"", "\"10s\"");
        pass(firstSync); // only the first gateway applies Git's change to A
        fx.editCpuOnA("title", "CPU (mine)");

        second.capture(saved("grafana-a", "cpu", "alice"));
        await().atMost(WAIT).until(() -> second.status().commits() == 1);

        assertThat(fx.gitFile("shared/cpu.json").orElseThrow()).contains("CPU (mine)").contains("\"10s\"");
        assertThat(second.status().conflicts()).isZero();
        assertThat(conflictBranches()).isZero();
    }
}
