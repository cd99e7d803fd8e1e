package io.grafanaha.sync.writeback;

/** Something the write-back did with a captured edit, for the gateway's event log and metrics. */
public sealed interface WriteBackEvent {

    /** The edit being reported. */
    CapturedEdit edit();

    /** The edit was committed and pushed to the followed branch ({@code gateway_writeback_commits_total}). */
    record Committed(CapturedEdit edit, String commit, String path, String message) implements WriteBackEvent {}

    /**
     * Git changed the same file since the backend's version was based on it: Git's version stays on the branch and
     * the user's version was pushed to {@code branch} ({@code gateway_conflicts_total}).
     */
    record Conflicted(CapturedEdit edit, String branch, String commit, String path) implements WriteBackEvent {}

    /** Nothing to commit: Git already holds it, the dashboard is outside the managed tree, or it is gone. */
    record Skipped(CapturedEdit edit, String reason) implements WriteBackEvent {}

    /** {@code sync.write-back} is off: the edit is drift that the next pass overwrites. */
    record Drift(CapturedEdit edit) implements WriteBackEvent {}

    /** The edit could not be written now (Git or the backend unreachable); it stays in the journal and is retried. */
    record Failed(CapturedEdit edit, String error) implements WriteBackEvent {}

    /**
     * The edit's journal record could not be written (disk full, read-only): it is held in memory, out of every pass
     * on its backend, until it is in Git; the journal is retried ({@code gateway_writeback_journal_failures_total}).
     */
    record JournalFailed(CapturedEdit edit, String error) implements WriteBackEvent {}
}
