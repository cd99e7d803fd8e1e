package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static io.grafanaha.sync.writeback.WriteBackFixture.saved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.SyncService;
import io.grafanaha.testkit.grafana.StoredDashboard;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
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

    @Test
    void aVersionTheSyncWroteOverAUsersSaveIsNotWrittenBackOverGitsNewerCommit() throws Exception {
        first.capture(savedWithBody(fx.editCpuOnA("title", "CPU X")));
        await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").orElseThrow().contains("CPU X"));
        String withX = fx.repo.head().orElseThrow();
        StoredDashboard y = fx.editCpuOnA("title", "CPU Y");
        // A pass that had read Git at X writes it over the user's Y before any write-back has Y: a version the sync
        // wrote, holding Git's older content (the user's Y is safe in the first gateway's journal).
        ObjectNode x = y.json().deepCopy().put("title", "CPU X");
        fx.a.putDashboard(x, y.folderUid(), "git-sync " + withX.substring(0, 7) + ": Update dashboard", "admin");
        first.capture(savedWithBody(y));
        await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").orElseThrow().contains("CPU Y"));

        // The second gateway had seen Y (version 3) by polling; reading it back now finds the sync's version 4.
        second.capture(saved("grafana-a", "cpu", "alice"));
        await().atMost(WAIT).until(() -> second.status().backlog() == 0);

        assertThat(fx.gitFile("shared/cpu.json").orElseThrow()).as("Git keeps the user's newest save")
                .contains("CPU Y");
        assertThat(second.status().commits()).as("Git's own older content is not an edit to write back").isZero();
    }

    /** A save relayed through the gateway, journaled with what it saved. */
    private static CapturedEdit savedWithBody(StoredDashboard saved) {
        ObjectNode dashboard = saved.json().deepCopy();
        return CapturedEdit.dashboardSaved("grafana-a", saved.uid(), Optional.of("alice"), Instant.now(),
                new EditBody(dashboard, saved.folderUid(), saved.version()));
    }
}
