package io.grafanaha.sync.writeback;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.library.BackendLibraryPanel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal's record formats: a journal written before library panels were journaled replays unchanged. */
class JournalFormatTest {
    private static final String BASE = "3b18e512dba79e4c8300dd08aeb37f8e728b8dad";

    @TempDir Path dataDir;

    @Test
    void aJournalWrittenBeforeLibraryPanelsWereJournaledReplaysItsEditsUnchanged() throws Exception {
        Path file = dataDir.resolve("journal/edits.jsonl");
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                {"op":"edit","id":1,"backend":"grafana-a","kind":"DASHBOARD_SAVED","uid":"cpu","user":"alice","at":"2026-01-02T03:04:05Z","base":"%s","body":{"dashboard":{"uid":"cpu","title":"CPU","version":4},"folderUid":"team","version":4}}
                {"op":"edit","id":2,"backend":"grafana-b","kind":"FOLDER_DELETED","uid":"team","at":"2026-01-02T03:04:06Z"}
                {"op":"done","id":2}
                """.formatted(BASE), StandardCharsets.UTF_8);

        try (Journal journal = new Journal(dataDir)) {
            assertThat(journal.pending()).hasSize(1);
            Journal.Entry e = journal.pending().get(0);
            assertThat(e.edit().kind()).isEqualTo(CapturedEdit.Kind.DASHBOARD_SAVED);
            assertThat(e.edit().user()).contains("alice");
            assertThat(e.edit().body().orElseThrow().version()).isEqualTo(4);
            assertThat(e.edit().panel()).isEmpty();
            assertThat(e.base()).contains(ObjectId.fromString(BASE));
        }
    }

    @Test
    void aLibraryPanelSaveIsReadBackAfterARestartWithWhatItSavedAndTheVersionItWasMadeOver() throws Exception {
        ObjectNode model = JsonNodeFactory.instance.objectNode().put("type", "stat").put("title", "CPU");
        CapturedEdit saved = CapturedEdit.libraryPanelSaved("grafana-a", Optional.of("bob"), Instant.parse("2026-01-02T03:04:05Z"),
                new LibraryPanelEdit(new BackendLibraryPanel("lib-cpu", "CPU panel", "team", model, 3), OptionalInt.of(2)));
        CapturedEdit deleted = CapturedEdit.libraryPanelDeleted("grafana-b", "lib-mem", Optional.empty(), Instant.now());
        try (Journal journal = new Journal(dataDir)) {
            journal.append(List.of(saved, deleted), List.of(Optional.of(ObjectId.fromString(BASE)), Optional.empty()));
        }
        assertThat(Files.readAllLines(dataDir.resolve("journal/edits.jsonl")))
                .as("only the kinds format 1 lacked are marked format 2").allMatch(l -> l.contains("\"v\":2"));

        try (Journal reopened = new Journal(dataDir)) {
            assertThat(reopened.pending()).extracting(Journal.Entry::edit).containsExactly(saved, deleted);
            assertThat(reopened.pending().get(0).base()).contains(ObjectId.fromString(BASE));
        }
    }

    @Test
    void aRecordOfANewerFormatIsSkippedNotMisread() throws Exception {
        Path file = dataDir.resolve("journal/edits.jsonl");
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                {"op":"edit","v":3,"id":1,"backend":"grafana-a","kind":"DASHBOARD_SAVED","uid":"cpu","at":"2026-01-02T03:04:05Z"}
                {"op":"edit","id":2,"backend":"grafana-a","kind":"DASHBOARD_DELETED","uid":"mem","at":"2026-01-02T03:04:06Z"}
                """, StandardCharsets.UTF_8);

        try (Journal journal = new Journal(dataDir)) {
            assertThat(journal.pending()).extracting(e -> e.edit().uid()).containsExactly("mem");
            CapturedEdit next = CapturedEdit.dashboardDeleted("grafana-a", "net", Optional.empty(), Instant.now());
            assertThat(journal.append(List.of(next), List.of(Optional.empty())).get(0).id())
                    .as("ids stay unique past the skipped record").isEqualTo(3);
        }
    }
}
