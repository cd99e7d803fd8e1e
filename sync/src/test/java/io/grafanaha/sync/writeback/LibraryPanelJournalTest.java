package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.library.BackendLibraryPanel;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.grafanaha.testkit.grafana.StoredLibraryElement;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Library panel saves journaled by the gateway, committed from the journal: the conflict rule tells a save made over
 * Git's latest content from one made over an older one, without Grafana keeping any history of the panel.
 */
class LibraryPanelJournalTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String FILE = "shared/library-panels/cpu.json";
    private static final String PANEL = WriteBackFixture.LIBRARY_PANEL;
    @TempDir Path tmp;
    WriteBackFixture fx;
    SyncService sync;
    WriteBack writeBack;

    @BeforeEach
    void setUp() throws Exception {
        fx = new WriteBackFixture(tmp);
        fx.workspace.writeFile(FILE, PANEL).commitAndPush("library panel");
        sync = fx.sync(fx.settings("data"));
        pass(sync);
        writeBack = fx.writeBack(sync);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    @Test
    void twoSavesInARowOnOneInstanceAreBothCommittedWithoutAConflict() throws Exception {
        // Both journaled before either is committed: the second was made over the first, not over Git's file.
        journal(fx.a, "grafana-a", "stat");
        journal(fx.a, "grafana-a", "gauge");
        writeBack.start();

        await().atMost(WAIT).until(() -> fx.gitFile(FILE).orElse("").contains("gauge"));
        await().atMost(WAIT).until(() -> writeBack.status().backlog() == 0);
        assertThat(fx.gitFile(FILE).orElseThrow()).isEqualTo(PANEL.replace("timeseries", "gauge"));
        assertThat(writeBack.status().conflicts()).isZero();
        assertThat(fx.branches()).noneMatch(b -> b.contains("conflicts"));
    }

    @Test
    void aSaveOverTheVersionAnotherInstancesSaveBroughtIsNotAConflict() throws Exception {
        writeBack.start();
        journal(fx.a, "grafana-a", "stat");
        await().atMost(WAIT).until(() -> fx.gitFile(FILE).orElse("").contains("stat"));
        sync.requestSyncOfChange("test").get(30, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> fx.b.libraryElements().get("lib-cpu").type().equals("stat"));

        journal(fx.b, "grafana-b", "gauge");

        await().atMost(WAIT).until(() -> fx.gitFile(FILE).orElse("").contains("gauge"));
        assertThat(writeBack.status().conflicts()).isZero();
    }

    @Test
    void savesOverTheSameVersionOnTwoInstancesPutTheSecondOnAConflictBranch() throws Exception {
        journal(fx.a, "grafana-a", "stat");
        journal(fx.b, "grafana-b", "gauge");
        writeBack.start();

        await().atMost(WAIT).until(() -> writeBack.status().conflicts() == 1 && writeBack.status().backlog() == 0);
        assertThat(fx.gitFile(FILE).orElseThrow()).contains("stat");
        String branch = fx.branches().stream().filter(b -> b.contains("conflicts/lib-cpu-")).findFirst().orElseThrow();
        assertThat(fx.repo.readFile(branch, FILE).orElseThrow()).isEqualTo(PANEL.replace("timeseries", "gauge"));
        assertThat(fx.events).anyMatch(e -> e instanceof WriteBackEvent.Conflicted c && c.edit().backend().equals("grafana-b")
                && c.path().equals(FILE));
    }

    @Test
    void aDeleteOfAPanelGitChangedSinceGoesToAConflictBranchAndPollingDoesNotDeleteItAnyway() throws Exception {
        writeBack.setPollInterval(Duration.ofMillis(100)).start();
        await().atMost(WAIT).until(() -> writeBack.status().polls() >= 2); // polling has seen lib-cpu on both
        fx.workspace.writeFile(FILE, PANEL.replace("timeseries", "gauge")).commitAndPush("someone changes the panel");

        HttpResponse<String> deleted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(fx.a.url()
                + "/api/library-elements/lib-cpu")).header("Authorization", "Bearer " + fx.a.token()).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        writeBack.journal(CapturedEdit.libraryPanelDeleted("grafana-a", "lib-cpu", Optional.of("alice"), Instant.now()))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);

        await().atMost(WAIT).until(() -> writeBack.status().conflicts() == 1);
        String branch = fx.branches().stream().filter(b -> b.contains("conflicts/lib-cpu-")).findFirst().orElseThrow();
        assertThat(fx.repo.readFile(branch, FILE)).as("the delete is on the branch").isEmpty();
        long rounds = writeBack.status().polls();
        await().atMost(WAIT).until(() -> writeBack.status().polls() >= rounds + 3);
        assertThat(fx.gitFile(FILE).orElseThrow()).as("Git's change stays").contains("gauge");
    }

    @Test
    void aPendingLibraryPanelSaveDoesNotHoldTheDashboardThatSharesItsUidFromPasses() throws Exception {
        ObjectNode model = JsonNodeFactory.instance.objectNode().put("type", "stat");
        String root = fx.a.dashboard("cpu").orElseThrow().folderUid();
        writeBack.journal(CapturedEdit.libraryPanelSaved("grafana-a", Optional.empty(), Instant.now(), new LibraryPanelEdit(
                new BackendLibraryPanel("cpu", "CPU", root, model, 2), OptionalInt.of(1)))).toCompletableFuture()
                .get(30, TimeUnit.SECONDS); // not started: it stays pending
        fx.workspace.writeFile("shared/cpu.json", WriteBackFixture.CPU.replace("\"CPU\"", "\"CPU from Git\""))
                .commitAndPush("retitle");

        pass(sync);

        assertThat(fx.a.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU from Git");
    }

    /** {@code type} saved on {@code grafana} over its current version, as the gateway journals such a PATCH. */
    private void journal(GrafanaEmulator grafana, String backend, String type) throws Exception {
        ObjectNode model = JsonNodeFactory.instance.objectNode().put("type", type).put("title", "CPU");
        StoredLibraryElement saved = grafana.updateLibraryElement("lib-cpu", "CPU panel", model);
        LibraryPanelEdit edit = new LibraryPanelEdit(new BackendLibraryPanel(saved.uid(), saved.name(), saved.folderUid(),
                saved.model(), saved.version()), OptionalInt.of(saved.version() - 1));
        writeBack.journal(CapturedEdit.libraryPanelSaved(backend, Optional.of("alice"), Instant.now(), edit))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
