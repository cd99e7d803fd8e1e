package io.grafanaha.sync;

import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.grafana.GrafanaApiException;
import java.util.Optional;

/**
 * One kind of resource beside dashboards (alert rules and friends, data sources), synced in each backend's pass after
 * the dashboards, from its own files under {@code sync.path}. A pass counts as applied on a backend only when every
 * step succeeded too, so freshness (and failback) covers every kind.
 */
public interface ResourceStep {

    /** The kind, for errors, logs and {@code gateway_sync_errors_total{kind}}. */
    String kind();

    /**
     * Plans and applies this kind on one backend for {@code head}.
     *
     * @param alreadyApplied whether the backend already held {@code head}: changes are then drift (edits made there)
     * @param full whether to look at the backend even when this kind's files did not change since they were last
     *     applied there without failures (passes started by a push need not: an edit made there is found by the next
     *     full pass)
     */
    Outcome apply(SyncTarget target, DesiredState dashboards, CommitInfo head, boolean alreadyApplied, boolean full);

    /** {@code sync --dry-run}: the lines this kind would change on the backend, written nowhere. */
    String plan(SyncTarget target, DesiredState dashboards, CommitInfo head) throws GrafanaApiException;

    /**
     * What one step did on one backend.
     *
     * @param changes changes applied
     * @param drift changes although the backend already held the commit
     * @param error why the backend does not hold this kind at the commit; empty when it does
     */
    record Outcome(int changes, int drift, Optional<String> error) {
        public static Outcome done(int changes, int drift) {
            return new Outcome(changes, drift, Optional.empty());
        }

        public static Outcome failed(int changes, int drift, String error) {
            return new Outcome(changes, drift, Optional.of(error));
        }
    }
}
