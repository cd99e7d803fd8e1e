package io.grafanaha.sync.freshness;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppliedStateStoreTest {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    @TempDir Path dataDir;

    @Test
    void savedStateIsLoadedBackAndLeavesNoTemporaryFiles() throws Exception {
        AppliedStateStore store = new AppliedStateStore(dataDir);
        Instant at = Instant.parse("2026-01-02T03:04:05Z");
        store.save(new AppliedState("grafana-a", COMMIT, at));
        store.save(new AppliedState("grafana-a", COMMIT, at.plusSeconds(1)));

        assertThat(new AppliedStateStore(dataDir).load("grafana-a"))
                .contains(new AppliedState("grafana-a", COMMIT, at.plusSeconds(1)));
        try (var files = Files.list(dataDir.resolve("state"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("grafana-a.json");
        }
    }

    @Test
    void aMissingOrDamagedFileMeansNothingIsKnown() throws Exception {
        AppliedStateStore store = new AppliedStateStore(dataDir);
        assertThat(store.load("grafana-a")).isEmpty();
        Files.createDirectories(dataDir.resolve("state"));
        Files.writeString(store.file("grafana-a"), "{\"appliedCommit\":\"main\",");
        Files.writeString(store.file("grafana-b"),
                "{\"appliedCommit\":\"HEAD\",\"lastSync\":\"2026-01-02T03:04:05Z\"}");

        assertThat(store.load("grafana-a")).isEmpty();
        assertThat(store.load("grafana-b")).isEmpty();
    }

    @Test
    void aBackendNameCannotEscapeTheStateDirectory() {
        AppliedStateStore store = new AppliedStateStore(dataDir);
        assertThat(store.file("../../etc/x").getParent()).isEqualTo(dataDir.resolve("state"));
    }
}
