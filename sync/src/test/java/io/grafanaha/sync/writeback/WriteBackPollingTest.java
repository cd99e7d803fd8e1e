package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.grafana.HttpGrafanaClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Edits that bypass the gateway are found by polling; the sync's own versions are not. */
class WriteBackPollingTest {
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
        writeBack = fx.writeBack(sync).setPollInterval(Duration.ofMillis(100));
        writeBack.start();
        await().atMost(WAIT).until(() -> writeBack.status().polls() >= 1);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private void saveOnB(String key, String value, String message, String login) {
        ObjectNode cpu = fx.b.dashboard("cpu").orElseThrow().json();
        cpu.put(key, value);
        fx.b.putDashboard(cpu, fx.b.dashboard("cpu").orElseThrow().folderUid(), message, login);
    }

    @Test
    void aUiSaveThatBypassedTheGatewayIsCommittedAndReachesA() throws Exception {
        saveOnB("refresh", "1m", "made it faster", "bob");

        await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").orElseThrow().contains("\"refresh\": \"1m\""));
        try (Git g = Git.open(fx.repo.bareDir().toFile())) {
            assertThat(g.log().setMaxCount(1).call().iterator().next().getAuthorIdent().getName()).isEqualTo("bob");
        }
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(fx.a.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("1m"));
        // The fan-out wrote git-sync versions on A; later rounds must not capture them (no ping-pong).
        long rounds = writeBack.status().polls();
        await().atMost(WAIT).until(() -> writeBack.status().polls() >= rounds + 3);
        assertThat(writeBack.status().commits()).isEqualTo(1);
        assertThat(fx.events).filteredOn(e -> e instanceof WriteBackEvent.Skipped).isEmpty();
    }

    @Test
    void aSaveThroughTheGatewayIsCommittedOnceAndNotReadBackByPollingOrTheNextPass() throws Exception {
        writeBack.capture(WriteBackJournalTest.savedThroughGateway(fx.a, "refresh", "5m"));

        await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").orElseThrow().contains("\"refresh\": \"5m\""));
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(fx.b.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("5m"));
        long rounds = writeBack.status().polls();
        await().atMost(WAIT).until(() -> writeBack.status().polls() >= rounds + 3);
        pass(sync);
        // Polling saw alice's version on A and the pass was about to compare A with Git: neither hands the save,
        // already journaled with its body, to the write-back again (each such turn delayed the fan-out).
        assertThat(fx.events).hasSize(1).allMatch(e -> e instanceof WriteBackEvent.Committed);
    }

    @Test
    void aDeleteThatBypassedTheGatewayIsCommitted() throws Exception {
        HttpGrafanaClient.create("grafana-b", URI.create(fx.b.url()), fx.b.token()).deleteDashboard("net");

        await().atMost(WAIT).until(() -> fx.gitFile("shared/team/net.yaml").isEmpty());
        await().atMost(WAIT).until(() -> fx.a.dashboard("net").isEmpty());
    }

    @Test
    void aVersionWrittenBySyncIsNotCaptured() throws Exception {
        String head = fx.repo.head().orElseThrow();
        saveOnB("refresh", "1m", "git-sync 1a2b3c4: written by another gateway's sync", "sa-gateway");

        long rounds = writeBack.status().polls();
        await().atMost(WAIT).until(() -> writeBack.status().polls() >= rounds + 3);
        assertThat(fx.events).isEmpty();
        assertThat(fx.repo.head()).contains(head);
    }
}
