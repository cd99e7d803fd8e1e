package io.grafanaha.sync.writeback;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which saves the lost-update guard counts as acknowledged elsewhere: what the journal holds, also after a restart. */
class JournalPendingSavesTest {
    @TempDir Path dataDir;

    @Test
    void aSaveJournaledOnOneBackendIsPendingForTheOthersUntilDoneAndAfterARestart() throws Exception {
        Journal.Entry entry;
        try (Journal journal = new Journal(dataDir)) {
            entry = journal.append(List.of(save("grafana-a")), List.of(Optional.empty())).get(0);
            assertThat(journal.savedElsewhere("cpu", "grafana-b")).isTrue();
            assertThat(journal.savedElsewhere("cpu", "grafana-a")).as("its own backend holds it").isFalse();
            assertThat(journal.savedElsewhere("net", "grafana-b")).as("another dashboard").isFalse();
        }
        try (Journal reopened = new Journal(dataDir)) {
            assertThat(reopened.savedElsewhere("cpu", "grafana-b")).as("replayed after a restart").isTrue();
            reopened.done(entry.id());
            assertThat(reopened.savedElsewhere("cpu", "grafana-b")).isFalse();
        }
    }

    @Test
    void anEditWithoutWhatItSavedIsNotCountedSinceItWaitsForItsBackend() throws Exception {
        try (Journal journal = new Journal(dataDir)) {
            journal.append(List.of(CapturedEdit.dashboardSaved("grafana-a", "cpu", Optional.empty(), Instant.now()),
                    CapturedEdit.dashboardDeleted("grafana-a", "cpu", Optional.empty(), Instant.now())),
                    List.of(Optional.empty(), Optional.empty()));
            assertThat(journal.savedElsewhere("cpu", "grafana-b")).isFalse();
        }
    }

    private static CapturedEdit save(String backend) {
        ObjectNode dashboard = JsonNodeFactory.instance.objectNode().put("uid", "cpu").put("title", "CPU");
        return CapturedEdit.dashboardSaved(backend, "cpu", Optional.of("alice"), Instant.now(),
                new EditBody(dashboard, "team", 2));
    }
}
