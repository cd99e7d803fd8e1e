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
 * @param lastError the last failure, if the last attempt failed
 */
public record WriteBackStatus(long commits, long conflicts, int backlog, long drift, long failures, long polls,
        Optional<String> lastError) {}
