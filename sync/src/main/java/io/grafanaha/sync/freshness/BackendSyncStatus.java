package io.grafanaha.sync.freshness;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The sync state of one backend, as {@code /api/status} shows it under {@code sync}.
 *
 * @param backend the backend's name
 * @param appliedCommit the last commit applied with no failures (40 hex), persisted across restarts
 * @param fresh whether the backend holds the Git head (see {@link FreshnessTracker})
 * @param lagCommits commits in the head not in {@code appliedCommit}; 0 when equal, -1 when unknown
 * @param lastSync when the last pass without failures finished ({@code gateway_sync_last_success_timestamp_seconds})
 * @param drift managed dashboards found changed outside the sync at the start of the last pass (see
 *     {@link FreshnessTracker}), plus the alerting resources and data sources found so
 * @param lastError the last pass's error, cleared by a pass without failures
 * @param dashboards managed dashboards the backend held after the last pass ({@code gateway_sync_dashboards})
 * @param errors errors since start by kind ({@code gateway_sync_errors_total{kind}}): {@code read} (the backend
 *     could not be read), {@code apply} (an operation failed), {@code delete-limit} (a pass was refused),
 *     {@code held-deletes} (deletes Git asks for were held back by a file whose uid cannot be read)
 */
public record BackendSyncStatus(String backend, Optional<String> appliedCommit, boolean fresh, int lagCommits,
        Optional<Instant> lastSync, int drift, Optional<String> lastError, int dashboards, Map<String, Long> errors) {
    public BackendSyncStatus {
        errors = Map.copyOf(errors);
    }
}
