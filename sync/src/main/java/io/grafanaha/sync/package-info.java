/**
 * What every backend must hold: the Git mirror, the dashboard model, planning and applying, freshness, webhooks.
 *
 * <p>The gateway uses {@link io.grafanaha.sync.SyncService}: built from {@link io.grafanaha.sync.SyncSettings} (the
 * {@code sync:} configuration section) and one {@link io.grafanaha.sync.SyncTarget} per backend, started once, then
 * triggered by {@code requestSync} (webhook, admin {@code POST /api/sync}, captured edits) and {@code syncBackend}
 * (a backend came back up, after {@code markStale}). The failback gate calls {@code isFresh}; {@code /api/status} and
 * {@code /metrics} read {@code status()}; {@code sync --dry-run} calls {@code plan()}. Webhook deliveries are checked
 * with {@link io.grafanaha.sync.webhook.WebhookVerifier}. Edits made in Grafana are written back to Git by
 * {@link io.grafanaha.sync.writeback.WriteBack}, built on the service.
 *
 * <p>Metrics from {@code status()}: {@code gateway_sync_fresh{backend}} = {@code fresh},
 * {@code gateway_sync_lag_commits{backend}} = {@code lagCommits}, {@code gateway_sync_last_success_timestamp_seconds}
 * = {@code lastSync}, {@code gateway_sync_dashboards{backend}} = {@code dashboards}, and
 * {@code gateway_sync_errors_total{backend,kind}} = {@code errors} (kinds {@code read}, {@code apply},
 * {@code delete-limit}); failed fetches are counted in {@code git.fetchFailures} and announced as
 * {@link io.grafanaha.sync.SyncEvent.FetchFailed} events.
 */
package io.grafanaha.sync;
