package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static io.grafanaha.sync.writeback.WriteBackFixture.saved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.sync.SyncService;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal survives a crash; write-back off commits nothing; two gateways make one commit per edit. */
class WriteBackDurabilityTest {
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
    void anEditLeftInTheJournalByACrashReachesGitAfterTheRestart() throws Exception {
        SyncService sync = fx.sync(fx.settings("data"));
        pass(sync);
        fx.editCpuOnA("refresh", "2m");
        // kill -9 after the backend answered and the edit was journalled, before anything was pushed:
        Path journal = tmp.resolve("data/journal/edits.jsonl");
        Files.createDirectories(journal.getParent());
        Files.writeString(journal, "{\"op\":\"edit\",\"id\":1,\"backend\":\"grafana-a\",\"kind\":\"DASHBOARD_SAVED\","
                + "\"uid\":\"cpu\",\"user\":\"alice\",\"at\":\"2026-01-02T03:04:05Z\"}\n"
                + "{\"op\":\"edit\",\"id\":2,\"backend\":\"grafana-a\",\"kind\":\"DASHBO", StandardCharsets.UTF_8);

        WriteBack restarted = fx.writeBack(sync);
        assertThat(restarted.status().backlog()).isEqualTo(1);
        restarted.start();

        await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").orElseThrow().contains("\"refresh\": \"2m\""));
        await().atMost(WAIT).until(() -> restarted.status().backlog() == 0);
        assertThat(Files.size(journal)).as("compacted once everything is done").isZero();
    }

    @Test
    void afterARestartAnEditMadeBeforeAChangeInGitStillConflicts() throws Exception {
        SyncService before = fx.sync(fx.settings("data"));
        pass(before);
        // Version 1's message reads "Initial save" in Grafana; an update by the sync carries the git-sync stamp.
        fx.workspace.pull();
        fx.workspace.writeFile("shared/cpu.json", fx.workspace.readFile("shared/cpu.json").orElseThrow()
                .replace("\"node\"", "\"nodes\"")).commitAndPush("retag");
        pass(before);
        fx.editCpuOnA("title", "CPU (mine)");
        fx.workspace.pull();
        String upstream = fx.workspace.readFile("shared/cpu.json").orElseThrow().replace("\"30s\"", "\"10s\"");
        fx.workspace.writeFile("shared/cpu.json", upstream).commitAndPush("faster in Git");
        before.close(); // the process dies; the edit was journalled
        Path journal = tmp.resolve("data/journal/edits.jsonl");
        Files.createDirectories(journal.getParent());
        Files.writeString(journal, "{\"op\":\"edit\",\"id\":1,\"backend\":\"grafana-a\",\"kind\":\"DASHBOARD_SAVED\","
                + "\"uid\":\"cpu\",\"at\":\"2026-01-02T03:04:05Z\"}\n", StandardCharsets.UTF_8);

        WriteBack restarted = fx.writeBack(fx.sync(fx.settings("data")));
        restarted.start();

        await().atMost(WAIT).until(() -> restarted.status().conflicts() == 1);
        assertThat(fx.gitFile("shared/cpu.json")).contains(upstream);
        assertThat(fx.branches()).anyMatch(b -> b.startsWith("refs/heads/gateway/conflicts/cpu-"));
    }

    @Test
    void anEditMadeWhileNoGatewayRanIsWrittenBackByTheFirstPassInsteadOfOverwritten() throws Exception {
        SyncService before = fx.sync(fx.settings("data"));
        pass(before);
        before.close();
        fx.editCpuOnA("refresh", "5m"); // straight on Grafana, while no gateway runs

        SyncService after = fx.sync(fx.settings("data"));
        WriteBack writeBack = fx.writeBack(after); // polling off: only the pass can find it
        writeBack.start();
        pass(after);

        await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").orElseThrow().contains("\"refresh\": \"5m\""));
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(fx.b.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("5m"));
        assertThat(fx.a.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("5m");
    }

    @Test
    void aCapturedEditIsInTheJournalOnDiskWhenCaptureReturns() throws Exception {
        SyncService sync = fx.sync(fx.settings("data"));
        WriteBack notStarted = fx.writeBack(sync);
        fx.git.unavailable(true); // nothing can be pushed

        notStarted.capture(saved("grafana-a", "cpu", "alice"));

        String journal = Files.readString(tmp.resolve("data/journal/edits.jsonl"));
        assertThat(journal).contains("\"op\":\"edit\"").contains("\"uid\":\"cpu\"").contains("\"user\":\"alice\"");
        assertThat(notStarted.status().backlog()).isEqualTo(1);
    }

    @Test
    void withWriteBackOffAnEditIsCountedAsDriftAndNothingIsCommitted() throws Exception {
        SyncService sync = fx.sync(fx.settings("data").withWriteBack(false));
        pass(sync);
        WriteBack off = fx.writeBack(sync);
        off.start();
        String head = fx.repo.head().orElseThrow();
        fx.editCpuOnA("refresh", "1m");

        off.capture(saved("grafana-a", "cpu", "alice"));

        assertThat(off.status().drift()).isEqualTo(1);
        assertThat(fx.events).anyMatch(e -> e instanceof WriteBackEvent.Drift);
        pass(sync);
        assertThat(fx.repo.head()).contains(head);
        assertThat(fx.a.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("30s");
    }

    @Test
    void twoGatewaysCapturingTheSameEditMakeOneCommit() throws Exception {
        SyncService sync1 = fx.sync(fx.settings("gw1"));
        SyncService sync2 = fx.sync(fx.settings("gw2"));
        pass(sync1);
        pass(sync2);
        WriteBack gw1 = fx.writeBack(sync1);
        WriteBack gw2 = fx.writeBack(sync2);
        gw1.start();
        gw2.start();
        int commitsBefore = fx.repo.log().size();
        fx.editCpuOnA("refresh", "1m");

        gw1.capture(saved("grafana-a", "cpu", "alice"));
        gw2.capture(saved("grafana-a", "cpu", "alice"));

        await().atMost(WAIT).until(() -> gw1.status().backlog() == 0 && gw2.status().backlog() == 0);
        assertThat(fx.repo.log()).hasSize(commitsBefore + 1);
        assertThat(gw1.status().commits() + gw2.status().commits()).isEqualTo(1);
        assertThat(gw1.status().conflicts() + gw2.status().conflicts()).isZero();
        assertThat(fx.gitFile("shared/cpu.json").orElseThrow()).contains("\"refresh\": \"1m\"");
    }
}
