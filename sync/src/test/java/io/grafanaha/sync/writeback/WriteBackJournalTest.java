package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.grafana.HttpGrafanaClient;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.grafanaha.testkit.grafana.StoredDashboard;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal holds the edit itself, before the gateway relays the backend's answer: an acknowledged save or delete
 * survives a restart even when the instance lost it, and one whose journal cannot be written is held, not lost.
 */
class WriteBackJournalTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
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
    void aSaveJournaledWithItsBodyReachesGitAfterARestartEvenWhenTheInstanceLostIt() throws Exception {
        SyncService before = fx.sync(fx.settings("data"));
        pass(before);
        WriteBack killed = fx.writeBack(before);
        fx.git.unavailable(true); // the gateway dies before anything is pushed
        CapturedEdit save = savedThroughGateway(fx.a, "refresh", "2m");

        killed.journal(save).toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(Files.readString(tmp.resolve("data/journal/edits.jsonl"))).contains("\"refresh\":\"2m\"");
        killed.close();
        before.close();
        fx.git.unavailable(false);
        // The instance loses the dashboard while no gateway runs (an instance without a disk, restarted).
        HttpGrafanaClient.create("grafana-a", URI.create(fx.a.url()), fx.a.token()).deleteDashboard("cpu");

        SyncService after = fx.sync(fx.settings("data"));
        WriteBack restarted = fx.writeBack(after);
        restarted.start();

        await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").orElseThrow().contains("\"refresh\": \"2m\""));
        await().atMost(WAIT).until(() -> restarted.status().backlog() == 0);
        pass(after);
        assertThat(fx.a.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("2m");
        assertThat(fx.b.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("2m");
    }

    @Test
    void aDeleteAnsweredAndThenTheGatewayKilledDoesNotComeBackOnRestart() throws Exception {
        SyncService before = fx.sync(fx.settings("data"));
        pass(before);
        WriteBack killed = fx.writeBack(before);
        fx.git.unavailable(true);
        HttpGrafanaClient.create("grafana-a", URI.create(fx.a.url()), fx.a.token()).deleteDashboard("cpu");

        killed.journal(CapturedEdit.dashboardDeleted("grafana-a", "cpu", Optional.of("alice"), Instant.now()))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        killed.close();
        before.close();
        fx.git.unavailable(false);

        SyncService after = fx.sync(fx.settings("data"));
        WriteBack restarted = fx.writeBack(after);
        pass(after); // the first pass after the restart, before the write-back ran: the hold keeps the delete
        assertThat(fx.a.dashboard("cpu")).isEmpty();
        restarted.start();

        await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").isEmpty());
        pass(after);
        assertThat(fx.a.dashboard("cpu")).isEmpty();
        assertThat(fx.b.dashboard("cpu")).isEmpty();
    }

    @Test
    void aSaveWhoseJournalCannotBeWrittenIsHeldOutOfEveryPassUntilItIsInGit() throws Exception {
        AtomicBoolean diskFull = new AtomicBoolean();
        SyncService sync = fx.sync(fx.settings("data"));
        pass(sync);
        WriteBack writeBack = new WriteBack(sync, fx.events::add, Clock.systemUTC(), fx.threads.writeBack(),
                file -> failing(file, diskFull))
                .setPollInterval(Duration.ZERO);
        try {
            writeBack.start();
            fx.git.unavailable(true);
            diskFull.set(true);
            CapturedEdit save = savedThroughGateway(fx.a, "refresh", "3m");

            assertThatThrownBy(() -> writeBack.journal(save).toCompletableFuture().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasRootCauseMessage("No space left on device");

            assertThat(writeBack.status().journalFailures()).isPositive();
            assertThat(writeBack.status().unjournaled()).isEqualTo(1);
            assertThat(writeBack.status().lastError()).hasValueSatisfying(e -> assertThat(e).contains("journal")
                    .contains("No space left on device"));
            assertThat(fx.events).anyMatch(e -> e instanceof WriteBackEvent.JournalFailed f
                    && f.edit().uid().equals("cpu"));
            pass(sync); // Git still says 30s: the pass must not overwrite the user's save
            assertThat(fx.a.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("3m");

            fx.git.unavailable(false);
            await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").orElseThrow()
                    .contains("\"refresh\": \"3m\""));
            await().atMost(WAIT).until(() -> writeBack.status().unjournaled() == 0);
        } finally {
            writeBack.close();
        }
    }

    @Test
    void aJournalThatCanBeWrittenAgainGetsTheHeldEditsRecords() throws Exception {
        AtomicBoolean diskFull = new AtomicBoolean(true);
        SyncService sync = fx.sync(fx.settings("data"));
        pass(sync);
        fx.git.unavailable(true);
        WriteBack writeBack = new WriteBack(sync, fx.events::add, Clock.systemUTC(), fx.threads.writeBack(),
                file -> failing(file, diskFull))
                .setPollInterval(Duration.ZERO);
        try {
            CapturedEdit save = savedThroughGateway(fx.a, "refresh", "4m");
            assertThatThrownBy(() -> writeBack.capture(save)).isInstanceOf(IOException.class);

            diskFull.set(false);

            await().atMost(WAIT).until(() -> writeBack.status().unjournaled() == 0);
            assertThat(writeBack.status().lastError()).hasValueSatisfying(e -> assertThat(e).doesNotContain("journal"));
            assertThat(Files.readString(tmp.resolve("data/journal/edits.jsonl"))).contains("\"refresh\":\"4m\"");
        } finally {
            fx.git.unavailable(false);
            writeBack.close();
        }
    }

    /**
     * Alice saves dashboard cpu on {@code grafana} with {@code key} set to {@code value}; the edit as the gateway
     * captures it from the request it relayed and the backend's answer.
     */
    static CapturedEdit savedThroughGateway(GrafanaEmulator grafana, String key, String value)
            throws IOException {
        StoredDashboard current = grafana.dashboard("cpu").orElseThrow();
        ObjectNode dashboard = current.json().deepCopy();
        dashboard.put(key, value);
        StoredDashboard saved = grafana.putDashboard(dashboard, current.folderUid(), "", "alice");
        ObjectNode request = JSON.createObjectNode();
        request.set("dashboard", dashboard);
        request.put("folderUid", current.folderUid()).put("overwrite", false);
        ObjectNode response = JSON.createObjectNode().put("id", saved.id()).put("uid", saved.uid())
                .put("url", "/d/cpu/cpu").put("status", "success").put("version", saved.version())
                .put("folderUid", saved.folderUid());
        EditBody body = EditBody.dashboardSave(JSON.writeValueAsBytes(request), JSON.writeValueAsBytes(response))
                .orElseThrow();
        return CapturedEdit.dashboardSaved(grafana.name(), "cpu", Optional.of("alice"), Instant.now(), body);
    }

    /** The real journal file, failing every append as a full disk does while {@code full} is set. */
    private static JournalFile failing(Path file, AtomicBoolean full) throws IOException {
        JournalFile real = JournalFile.open(file);
        return new JournalFile() {
            @Override
            public void append(byte[] bytes) throws IOException {
                if (full.get()) {
                    throw new IOException("No space left on device");
                }
                real.append(bytes);
            }

            @Override
            public void force() throws IOException {
                real.force();
            }

            @Override
            public long size() throws IOException {
                return real.size();
            }

            @Override
            public void truncate() throws IOException {
                real.truncate();
            }

            @Override
            public void close() throws IOException {
                real.close();
            }
        };
    }

}
