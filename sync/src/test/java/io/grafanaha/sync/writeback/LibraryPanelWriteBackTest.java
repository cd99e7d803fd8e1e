package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.SyncService;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A library panel edited in any instance is written back to its file and reaches the other instance. */
class LibraryPanelWriteBackTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PANEL = WriteBackFixture.LIBRARY_PANEL;
    @TempDir Path tmp;
    WriteBackFixture fx;
    SyncService sync;
    WriteBack writeBack;

    @BeforeEach
    void setUp() throws Exception {
        fx = new WriteBackFixture(tmp);
        fx.workspace.writeFile("shared/library-panels/cpu.json", PANEL).commitAndPush("library panel");
        sync = fx.sync(fx.settings("data"));
        pass(sync);
        writeBack = fx.writeBack(sync).setPollInterval(Duration.ofMillis(100));
        writeBack.start();
        // Two dashboard rounds: the library round that follows the first has recorded what it saw.
        await().atMost(WAIT).until(() -> writeBack.status().polls() >= 2);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    @Test
    void anEditOnOneInstanceReachesGitWithOnlyTheChangeAndTheOtherInstance() throws Exception {
        ObjectNode model = (ObjectNode) new ObjectMapper().readTree("{\"type\": \"stat\", \"title\": \"CPU\"}");
        fx.b.updateLibraryElement("lib-cpu", "CPU panel", model);

        await().atMost(WAIT).until(() -> fx.gitFile("shared/library-panels/cpu.json").orElse("").contains("stat"));
        assertThat(fx.gitFile("shared/library-panels/cpu.json").orElseThrow()).as("the file's form is kept")
                .isEqualTo(PANEL.replace("timeseries", "stat"));
        await().atMost(WAIT).until(() -> fx.a.libraryElements().get("lib-cpu").type().equals("stat"));
        // Later rounds find both instances matching Git: nothing more is committed.
        long rounds = writeBack.status().polls();
        String head = fx.repo.head().orElseThrow();
        await().atMost(WAIT).until(() -> writeBack.status().polls() >= rounds + 3);
        assertThat(fx.repo.head()).contains(head);
    }

    @Test
    void aPassDoesNotSetAnEditBackBeforeItIsWrittenBack() throws Exception {
        writeBack.close();
        ObjectNode model = (ObjectNode) new ObjectMapper().readTree("{\"type\": \"gauge\", \"title\": \"CPU\"}");
        fx.a.updateLibraryElement("lib-cpu", "CPU panel", model);

        pass(sync);

        assertThat(fx.a.libraryElements().get("lib-cpu").type()).isEqualTo("gauge");
    }
}
