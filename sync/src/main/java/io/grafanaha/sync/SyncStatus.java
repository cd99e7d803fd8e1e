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
 */
public record SyncStatus(GitStatus git, Map<String, BackendSyncStatus> backends, List<FileError> fileErrors,
        long passes) {
    public SyncStatus {
        fileErrors = List.copyOf(fileErrors);
    }
}
