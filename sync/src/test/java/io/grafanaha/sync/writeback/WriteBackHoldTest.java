package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static io.grafanaha.sync.writeback.WriteBackFixture.saved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.grafana.HttpGrafanaClient;
import java.nio.file.Path;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pass never overwrites an edit that is still on its way to Git; Git being down delays it, never loses it. */
class WriteBackHoldTest {
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
    void aPendingEditIsNotOverwrittenByAPassAndIsPushedWhenGitIsBack() throws Exception {
        SyncService sync = fx.sync(fx.settings("data"));
        pass(sync);
        WriteBack writeBack = fx.writeBack(sync);
        writeBack.start();
        ObjectNode cpu = fx.a.dashboard("cpu").orElseThrow().json();
        cpu.put("refresh", "1m");
        fx.a.putDashboard(cpu, fx.a.dashboard("cpu").orElseThrow().folderUid(), "", "alice");
        fx.git.unavailable(true);

        writeBack.capture(saved("grafana-a", "cpu", "alice"));
        await().atMost(WAIT).until(() -> writeBack.status().failures() >= 1);
        pass(sync); // with the mirror's last head, which still says 30s

        assertThat(fx.a.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("1m");
        assertThat(writeBack.status().backlog()).isEqualTo(1);
        assertThat(writeBack.status().lastError()).isPresent();

        fx.git.unavailable(false);
        await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").orElseThrow().contains("\"refresh\": \"1m\""));
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(fx.b.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("1m"));
        assertThat(writeBack.status().backlog()).isZero();
    }

    @Test
    void aSaveWhoseRecordWaitsForTheJournalThreadIsNotOverwrittenByAPass() throws Exception {
        SyncService sync = fx.sync(fx.settings("data"));
        pass(sync);
        WriteBackThreads threads = fx.threads.writeBack();
        WriteBack writeBack = new WriteBack(sync, fx.events::add, Clock.systemUTC(), threads)
                .setPollInterval(Duration.ZERO);
        CountDownLatch diskBusy = new CountDownLatch(1);
        try {
            writeBack.start();
            // The journal thread is still forcing the previous records to a slow disk.
            threads.journal().execute(() -> {
                try {
                    diskBusy.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            CompletionStage<Void> journaled = writeBack.journal(
                    WriteBackJournalTest.savedThroughGateway(fx.a, "refresh", "5m"));

            pass(sync); // Git still says 30s, and the save's record waits for its turn on the journal thread

            assertThat(fx.a.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("5m");
            diskBusy.countDown();
            journaled.toCompletableFuture().get(30, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").orElseThrow()
                    .contains("\"refresh\": \"5m\""));
        } finally {
            diskBusy.countDown();
            writeBack.close();
        }
    }

    @Test
    void aPassThatFindsAUiEditBeforePollingDoesTakesItInsteadOfOverwritingIt() throws Exception {
        SyncService sync = fx.sync(fx.settings("data"));
        pass(sync);
        WriteBack writeBack = fx.writeBack(sync); // polling off
        writeBack.start();
        ObjectNode cpu = fx.b.dashboard("cpu").orElseThrow().json();
        cpu.put("refresh", "5m");
        fx.b.putDashboard(cpu, fx.b.dashboard("cpu").orElseThrow().folderUid(), "slower", "carol");

        pass(sync);

        await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").orElseThrow().contains("\"refresh\": \"5m\""));
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(fx.a.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("5m"));
        var versions = fx.b.versions("cpu");
        assertThat(versions.get(versions.size() - 1).message()).as("B was never overwritten").isEqualTo("slower");
    }

    @Test
    void aPassOfASecondGatewayTakesAnEditBasedOnAGitChangeItDidNotApplyItself() throws Exception {
        // Two gateways on one repository. The first applies Git's change to A, a user edits A on top of it; the
        // second has not applied that change itself ("Git changed since I applied it"), and must not overwrite the
        // edit with the head it read before anyone has written it back.
        SyncService first = fx.sync(fx.settings("gw1"));
        SyncService second = fx.sync(fx.settings("gw2"));
        pass(first);
        pass(second);
        WriteBack secondWriteBack = fx.writeBack(second); // polling off: only the pass can find the edit
        secondWriteBack.start();
        fx.workspace.pull();
        fx.workspace.writeFile("shared/cpu.json", fx.workspace.readFile("shared/cpu.json").orElseThrow()
                .replace("\"30s\"", "\"10s\"")).commitAndPush("faster in Git");
        pass(first);
        ObjectNode cpu = fx.a.dashboard("cpu").orElseThrow().json();
        cpu.put("title", "CPU (mine)");
        fx.a.putDashboard(cpu, fx.a.dashboard("cpu").orElseThrow().folderUid(), "renamed", "alice");

        pass(second);

        await().atMost(WAIT).until(() -> secondWriteBack.status().commits() == 1
                && secondWriteBack.status().backlog() == 0);
        assertThat(fx.gitFile("shared/cpu.json").orElseThrow()).as("the edit, made on top of Git's latest")
                .contains("CPU (mine)").contains("\"10s\"");
        assertThat(secondWriteBack.status().conflicts()).isZero();
        assertThat(fx.branches()).noneMatch(b -> b.contains("gateway/conflicts/"));
    }

    @Test
    void aDashboardCreatedStraightOnGrafanaIsWrittenBackByAPassInsteadOfDeleted() throws Exception {
        SyncService sync = fx.sync(fx.settings("data"));
        pass(sync);
        WriteBack writeBack = fx.writeBack(sync); // polling off: the pass comes first
        writeBack.start();
        ObjectNode mem = fx.a.dashboard("cpu").orElseThrow().json().deepCopy();
        mem.put("uid", "mem").put("title", "Memory").remove(List.of("id", "version"));
        fx.a.putDashboard(mem, fx.a.dashboard("cpu").orElseThrow().folderUid(), "", "carol");

        pass(sync);

        await().atMost(WAIT).until(() -> fx.gitFile("shared/memory.json").isPresent());
        await().atMost(WAIT).until(() -> fx.b.dashboard("mem").isPresent());
        assertThat(fx.a.dashboard("mem")).as("never deleted from A").isPresent();
        assertThat(fx.a.versions("mem")).hasSize(1);
    }

    @Test
    void aDashboardDeletedInGitIsDeletedFromEveryBackendWithWriteBackOn() throws Exception {
        SyncService sync = fx.sync(fx.settings("data"));
        pass(sync);
        WriteBack writeBack = fx.writeBack(sync);
        writeBack.start();
        assertThat(fx.a.dashboard("net")).isPresent();
        fx.workspace.pull();
        fx.workspace.deleteFile("shared/team/net.yaml").commitAndPush("net is gone");

        pass(sync);

        assertThat(fx.a.dashboard("net")).isEmpty();
        assertThat(fx.b.dashboard("net")).isEmpty();
        pass(sync);
        assertThat(fx.gitFile("shared/team/net.yaml")).as("not brought back").isEmpty();
        assertThat(writeBack.status().commits()).isZero();
    }

    @Test
    void aFolderAndDashboardCreatedStraightOnGrafanaReachGitInsteadOfBeingDeleted() throws Exception {
        SyncService sync = fx.sync(fx.settings("data"));
        pass(sync);
        WriteBack writeBack = fx.writeBack(sync); // polling off: the pass comes first
        writeBack.start();
        String root = fx.a.dashboard("cpu").orElseThrow().folderUid();
        HttpGrafanaClient.create("grafana-a", URI.create(fx.a.url()), fx.a.token())
                .createFolder("scratch", "Scratch pad", Optional.of(root));
        ObjectNode disk = fx.a.dashboard("cpu").orElseThrow().json().deepCopy();
        disk.put("uid", "disk").put("title", "Disk").remove(List.of("id", "version"));
        fx.a.putDashboard(disk, "scratch", "", "carol");

        pass(sync);

        await().atMost(WAIT).until(() -> fx.gitFile("shared/scratch-pad/disk.json").isPresent());
        assertThat(fx.gitFile("shared/scratch-pad/_folder.json").orElseThrow())
                .contains("\"name\": \"scratch\"").contains("\"title\": \"Scratch pad\"");
        await().atMost(WAIT).until(() -> fx.b.dashboard("disk").map(d -> d.folderUid().equals("scratch")).orElse(false));
        assertThat(fx.a.folders()).containsKey("scratch");
        assertThat(fx.a.dashboard("disk")).as("never deleted from A").isPresent();
    }
}
