package io.grafanaha.sync;

import io.grafanaha.sync.apply.ApplyFailure;
import io.grafanaha.sync.desired.FileError;
import java.util.List;

/** Something the sync did, for the gateway's event log and metrics ({@link SyncListener}). */
public sealed interface SyncEvent {

    /**
     * A pass to one backend applied a plan (possibly empty); {@code failures} empty means the backend now holds
     * {@code commit}. Counts are of applied operations.
     */
    record BackendSynced(String backend, String commit, int created, int updated, int moved, int deleted,
            int folderChanges, List<ApplyFailure> failures, int drift, int dashboards) implements SyncEvent {
        public BackendSynced {
            failures = List.copyOf(failures);
        }
    }

    /** The backend's API could not be read, so nothing was planned or written (error kind {@code read}). */
    record BackendUnreachable(String backend, String error) implements SyncEvent {}

    /** The plan for a backend would delete more than {@code sync.max-deletes}; nothing was written to it. */
    record DeleteLimitRefused(String backend, String reason) implements SyncEvent {}

    /** Fetching Git failed; backends keep what they have and the fetch is retried with backoff. */
    record FetchFailed(String error, int consecutiveFailures) implements SyncEvent {}

    /** A newly read commit has files that were skipped. */
    record FileErrors(String commit, List<FileError> errors) implements SyncEvent {
        public FileErrors {
            errors = List.copyOf(errors);
        }
    }
}
