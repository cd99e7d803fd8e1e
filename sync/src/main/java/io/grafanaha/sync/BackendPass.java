package io.grafanaha.sync;

import io.grafanaha.sync.apply.ApplyFailure;
import io.grafanaha.sync.apply.ApplyPlan;
import io.grafanaha.sync.apply.ApplyResult;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.freshness.FreshnessTracker;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.plan.BackendState;
import io.grafanaha.sync.plan.Plan;
import io.grafanaha.sync.plan.PlanOperation;
import io.grafanaha.sync.plan.PlanResult;
import io.grafanaha.sync.plan.PlanSync;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One backend's part of a pass: read what it holds, plan, apply, record freshness, tell the listener. */
final class BackendPass {
    private static final Logger LOG = LoggerFactory.getLogger(BackendPass.class);
    static final String READ = "read";
    static final String APPLY = "apply";
    static final String DELETE_LIMIT = "delete-limit";

    private final SyncSettings settings;
    private final FreshnessTracker freshness;
    private final SyncListener listener;
    private final ExecutorService applyPool;
    private final Clock clock;

    BackendPass(SyncSettings settings, FreshnessTracker freshness, SyncListener listener, ExecutorService applyPool,
            Clock clock) {
        this.settings = settings;
        this.freshness = freshness;
        this.listener = listener;
        this.applyPool = applyPool;
        this.clock = clock;
    }

    /** Reads the backend and plans; throws naming the backend when it cannot be read. */
    static PlanResult plan(SyncTarget target, DesiredState desired, SyncSettings settings)
            throws GrafanaApiException {
        BackendState actual = target.client().managedTree(desired.rootFolderUid(),
                desired.dashboardsByUid().keySet(), desired.jsonByUid());
        return new PlanSync(desired, actual).setDeleteLimit(settings.deleteLimit()).call();
    }

    void run(SyncTarget target, DesiredState desired, CommitInfo head) {
        String name = target.name();
        long token = freshness.passStarting(name);
        boolean alreadyApplied = freshness.applied(name).filter(head.id()::equals).isPresent();
        BackendState actual;
        try {
            actual = target.client().managedTree(desired.rootFolderUid(), desired.dashboardsByUid().keySet(),
                    desired.jsonByUid());
        } catch (GrafanaApiException e) {
            String error = "cannot read " + name + ": " + e.getMessage();
            LOG.warn(error);
            freshness.passFailed(name, READ, error, -1, -1);
            emit(new SyncEvent.BackendUnreachable(name, error));
            return;
        }
        int held = actual.dashboards().size();
        PlanResult result = new PlanSync(desired, actual).setDeleteLimit(settings.deleteLimit()).call();
        if (result instanceof PlanResult.Refused refused) {
            LOG.warn(refused.reason());
            freshness.passFailed(name, DELETE_LIMIT, refused.reason(), alreadyApplied ? drift(refused.wouldBe()) : 0,
                    held);
            emit(new SyncEvent.DeleteLimitRefused(name, refused.reason()));
            return;
        }
        Plan plan = ((PlanResult.Ready) result).plan();
        int drift = alreadyApplied ? drift(plan) : 0;
        if (drift > 0) {
            LOG.info("{}: {} dashboard(s) differ from {} although it was applied: overwriting edits made outside "
                    + "Git", name, drift, head.shortName());
        }
        ApplyResult applied = new ApplyPlan(target.client(), plan, head).setConcurrency(settings.concurrency())
                .setRetryPolicy(settings.retry()).setExecutor(applyPool).call();
        int created = (int) applied.count(PlanOperation.CreateDashboard.class);
        int deleted = (int) applied.count(PlanOperation.DeleteDashboard.class);
        int dashboards = held + created - deleted;
        if (applied.succeeded()) {
            freshness.passSucceeded(name, token, head.id(), clock.instant(), drift, dashboards);
        } else {
            List<ApplyFailure> failures = applied.failures();
            String error = failures.get(0).message()
                    + (failures.size() > 1 ? " (and " + (failures.size() - 1) + " more failures)" : "");
            freshness.passFailed(name, APPLY, error, drift, dashboards);
        }
        emit(new SyncEvent.BackendSynced(name, head.name(), created,
                (int) applied.count(PlanOperation.UpdateDashboard.class),
                (int) applied.count(PlanOperation.MoveDashboard.class), deleted,
                (int) (applied.count(PlanOperation.CreateFolder.class) + applied.count(PlanOperation.UpdateFolder.class)
                        + applied.count(PlanOperation.DeleteFolder.class)),
                applied.failures(), drift, dashboards));
    }

    /** Dashboard changes in a plan for a commit the backend already had: changes Git does not explain. */
    private static int drift(Plan plan) {
        return (int) (plan.count(PlanOperation.CreateDashboard.class) + plan.count(PlanOperation.UpdateDashboard.class)
                + plan.count(PlanOperation.MoveDashboard.class) + plan.count(PlanOperation.DeleteDashboard.class));
    }

    private void emit(SyncEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            LOG.warn("sync listener failed on {}: {}", event, e.toString());
        }
    }
}
