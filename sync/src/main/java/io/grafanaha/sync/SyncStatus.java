package io.grafanaha.sync;

import io.grafanaha.sync.desired.FileError;
import io.grafanaha.sync.freshness.BackendSyncStatus;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of the sync for {@code /api/status} and {@code /metrics}.
 *
 * @param git the mirror's state
 * @param backends per backend, in configuration order
 * @param fileErrors files skipped when the head was last read, each naming its path
 * @param passes passes finished since start (any backend set)
 * @param kept what the sync keeps in Git and on every instance, in words ({@code sync.scope}); "" when not told
 */
public record SyncStatus(GitStatus git, Map<String, BackendSyncStatus> backends, List<FileError> fileErrors,
        long passes, String kept) {
    public SyncStatus {
        fileErrors = List.copyOf(fileErrors);
        kept = kept == null ? "" : kept;
    }

    /** A snapshot that does not say what is kept. */
    public SyncStatus(GitStatus git, Map<String, BackendSyncStatus> backends, List<FileError> fileErrors,
            long passes) {
        this(git, backends, fileErrors, passes, "");
    }
}
