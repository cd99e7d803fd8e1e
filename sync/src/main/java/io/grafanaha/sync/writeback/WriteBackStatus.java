package io.grafanaha.sync.writeback;

import java.util.Optional;

/**
 * A snapshot for {@code /api/status} and {@code /metrics}.
 *
 * @param commits edits committed and pushed since start ({@code gateway_writeback_commits_total})
 * @param conflicts edits pushed to a {@code gateway/conflicts/...} branch since start ({@code gateway_conflicts_total})
 * @param backlog edits in the journal not yet written (a gauge)
 * @param drift edits captured while {@code sync.write-back} is off
 * @param failures attempts that failed and will be retried
 * @param polls completed polling rounds over all backends
 * @param lastError why the journal cannot be written now, else the last failure if the last attempt failed
 * @param unjournaled pending edits whose journal record could not be written: held in memory only, out of every
 *     pass on their backend, until they are in Git (a crash now would lose them)
 * @param journalFailures journal writes that failed since start ({@code gateway_writeback_journal_failures_total})
 */
public record WriteBackStatus(long commits, long conflicts, int backlog, long drift, long failures, long polls,
        Optional<String> lastError, int unjournaled, long journalFailures) {

    /** A status without journal failures. */
    public WriteBackStatus(long commits, long conflicts, int backlog, long drift, long failures, long polls,
            Optional<String> lastError) {
        this(commits, conflicts, backlog, drift, failures, polls, lastError, 0, 0);
    }
}
