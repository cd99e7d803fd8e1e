package io.grafanaha.gateway.admin;

import io.grafanaha.sync.GitStatus;
import io.grafanaha.sync.SyncStatus;
import io.grafanaha.sync.desired.FileError;
import io.grafanaha.sync.freshness.BackendSyncStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A sync that is a hand-built {@link SyncStatus}, counting the passes requested. */
final class FakeSync implements SyncAccess {
    static final String HEAD = "0123456789abcdef0123456789abcdef01234567";
    static final String OLD = "89abcdef0123456789abcdef0123456789abcdef";
    static final Instant FETCHED = Instant.parse("2026-01-02T03:04:05Z");
    static final Instant SYNCED_A = Instant.parse("2026-01-02T03:04:06Z");

    volatile SyncStatus status = sample();
    final List<String> requested = new ArrayList<>();

    @Override
    public Optional<SyncStatus> status() {
        return Optional.of(status);
    }

    @Override
    public synchronized Optional<CompletableFuture<Void>> requestSync(String reason) {
        requested.add(reason);
        return Optional.of(CompletableFuture.completedFuture(null));
    }

    /** grafana-a fresh at the head; grafana-b two commits behind with errors; one bad file. */
    static SyncStatus sample() {
        Map<String, BackendSyncStatus> backends = new LinkedHashMap<>();
        backends.put("grafana-a", new BackendSyncStatus("grafana-a", Optional.of(HEAD), true, 0, Optional.of(SYNCED_A), 0,
                Optional.empty(), 12, Map.of()));
        backends.put("grafana-b", new BackendSyncStatus("grafana-b", Optional.of(OLD), false, 2, Optional.empty(), 1,
                Optional.of("grafana-b: POST /api/dashboards/db answered 500"), 10, Map.of("apply", 3L, "read", 1L)));
        GitStatus git = new GitStatus(Optional.of(HEAD), Optional.of("add cpu dashboard"), Optional.of(FETCHED),
                Optional.empty(), 4);
        return new SyncStatus(git, backends, List.of(fileError("shared/bad.json", "shared/bad.json: not valid JSON")), 7);
    }

    /** FileError's factories are package-private in the sync module; its canonical constructor is public. */
    private static FileError fileError(String path, String message) {
        return new FileError(path, message, Optional.empty(), true);
    }
}
