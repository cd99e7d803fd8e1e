package io.grafanaha.sync.apply;

import io.grafanaha.sync.desired.DesiredDashboard;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.GrafanaClient;
import io.grafanaha.sync.grafana.SaveMessage;
import io.grafanaha.sync.plan.Plan;
import io.grafanaha.sync.plan.PlanOperation;
import io.grafanaha.sync.schedule.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a {@link Plan} to one backend through its {@link GrafanaClient}.
 *
 * <p>Order: folder creates (the plan lists parents first), folder renames and moves, then every dashboard create,
 * update, move and delete with at most {@code concurrency} calls in flight, then folder deletes (children first).
 * Dashboards are saved with {@code overwrite: true} and the {@link SaveMessage} of the commit. Transient failures
 * (5xx, no response) are retried per {@link RetryPolicy}. A failing operation is recorded and the others go on; what
 * depends on it is skipped and recorded too: the contents of a folder that could not be created, and every folder
 * delete once any dashboard operation failed (Grafana deletes a folder with what it holds, and a dashboard whose move
 * failed may still be inside). An empty plan makes no call at all.
 *
 * <p>Threads: folder calls run on the caller's thread, dashboard calls on the given executor; the wait before a retry
 * is a task on the given {@link Scheduler} that the waiting call blocks on (no thread of its own, and tests can move
 * time by hand).
 *
 * <pre>{@code
 * ApplyResult result = new ApplyPlan(client, plan, head).setConcurrency(4).setExecutor(pool).setScheduler(timer)
 *         .call();
 * }</pre>
 */
public final class ApplyPlan {
    private static final Logger LOG = LoggerFactory.getLogger(ApplyPlan.class);

    private final GrafanaClient client;
    private final Plan plan;
    private final CommitInfo commit;
    private int concurrency = 4;
    private RetryPolicy retry = RetryPolicy.defaults();
    private Executor executor = Runnable::run;
    private Scheduler scheduler;

    /**
     * @param client the backend to write to
     * @param plan the plan for that backend
     * @param commit the commit the plan applies, stamped into every dashboard version's message
     */
    public ApplyPlan(GrafanaClient client, Plan plan, CommitInfo commit) {
        this.client = Objects.requireNonNull(client, "client");
        this.plan = Objects.requireNonNull(plan, "plan");
        this.commit = Objects.requireNonNull(commit, "commit");
    }

    /** The most dashboard calls in flight at once against this backend; default 4. */
    public ApplyPlan setConcurrency(int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
        }
        this.concurrency = concurrency;
        return this;
    }

    public ApplyPlan setRetryPolicy(RetryPolicy retry) {
        this.retry = Objects.requireNonNull(retry, "retry");
        return this;
    }

    /**
     * Where dashboard calls run. It must offer at least {@code concurrency} threads that are not waiting on this
     * call. Default: the caller's thread, one call at a time.
     */
    public ApplyPlan setExecutor(Executor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    /** Times the waits between attempts of a call; required when the retry policy allows more than one attempt. */
    public ApplyPlan setScheduler(Scheduler scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        return this;
    }

    /**
     * Applies the plan; never throws for Grafana failures, which are in the result.
     *
     * @throws IllegalStateException if the retry policy allows retries and no scheduler was set
     */
    public ApplyResult call() {
        if (plan.isEmpty()) {
            return new ApplyResult(plan.backend(), plan.commit(), List.of(), List.of());
        }
        if (retry.maxAttempts() > 1 && scheduler == null) {
            throw new IllegalStateException("retrying calls to " + plan.backend() + " needs a scheduler");
        }
        return new Applying().run();
    }

    /** The state of one run. */
    private final class Applying {
        final List<PlanOperation> applied = Collections.synchronizedList(new ArrayList<>());
        final List<ApplyFailure> failures = Collections.synchronizedList(new ArrayList<>());
        final Set<String> missingFolders = new HashSet<>();
        final String message = SaveMessage.of(commit);

        ApplyResult run() {
            for (PlanOperation op : plan.operations()) {
                if (op instanceof PlanOperation.CreateFolder c) {
                    if (c.parentUid().filter(missingFolders::contains).isPresent()) {
                        missingFolders.add(c.uid());
                        skip(op, "folder " + c.uid(), "its parent folder " + c.parentUid().get() + " was not created");
                    } else if (!attempt(op, "folder " + c.uid(), () -> client.createFolder(c.uid(), c.title(),
                            c.parentUid()))) {
                        missingFolders.add(c.uid());
                    }
                } else if (op instanceof PlanOperation.UpdateFolder u) {
                    attempt(op, "folder " + u.uid(), () -> {
                        if (u.renamed()) {
                            client.renameFolder(u.uid(), u.title());
                        }
                        if (u.moved()) {
                            client.moveFolder(u.uid(), u.parentUid());
                        }
                    });
                }
            }
            runDashboards();
            boolean dashboardsFailed = !failures.isEmpty() && failures.stream().anyMatch(f -> isDashboardOp(
                    f.operation()));
            for (PlanOperation op : plan.operations()) {
                if (op instanceof PlanOperation.DeleteFolder d) {
                    if (dashboardsFailed) {
                        skip(op, "folder " + d.uid(), "not deleted because a dashboard operation failed and it might "
                                + "still hold that dashboard");
                    } else {
                        attempt(op, "folder " + d.uid(), () -> client.deleteFolder(d.uid()));
                    }
                }
            }
            return new ApplyResult(plan.backend(), plan.commit(), applied, failures);
        }

        private void runDashboards() {
            List<PlanOperation> ops = plan.operations().stream().filter(ApplyPlan::isDashboardOp).toList();
            if (ops.isEmpty()) {
                return;
            }
            Semaphore inFlight = new Semaphore(concurrency);
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (PlanOperation op : ops) {
                inFlight.acquireUninterruptibly();
                all.add(CompletableFuture.runAsync(() -> {
                    try {
                        applyDashboard(op);
                    } finally {
                        inFlight.release();
                    }
                }, executor));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        }

        private void applyDashboard(PlanOperation op) {
            if (op instanceof PlanOperation.DeleteDashboard d) {
                attempt(op, "dashboard " + d.uid(), () -> client.deleteDashboard(d.uid()));
                return;
            }
            DesiredDashboard d;
            if (op instanceof PlanOperation.CreateDashboard c) {
                d = c.dashboard();
            } else if (op instanceof PlanOperation.UpdateDashboard u) {
                d = u.dashboard();
            } else if (op instanceof PlanOperation.MoveDashboard m) {
                d = m.dashboard();
            } else {
                throw new IllegalStateException("not a dashboard operation: " + op.describe());
            }
            String subject = "dashboard " + d.uid() + " (" + d.source().path() + ")";
            if (missingFolders.contains(d.folderUid())) {
                skip(op, subject, "its folder " + d.folderUid() + " was not created");
                return;
            }
            if (op instanceof PlanOperation.UpdateDashboard u) {
                // Only over the version the plan was made from: a user's save since then wins, and is the
                // write-back's to commit; the sync must not overwrite it with an older head.
                attempt(op, subject, () -> {
                    try {
                        client.saveDashboard(d.json(), d.folderUid(), message, u.fromVersion());
                    } catch (GrafanaApiException e) {
                        if (e.status() != 412) {
                            throw e;
                        }
                        throw new ChangedMeanwhile(e);
                    }
                });
            } else {
                attempt(op, subject, () -> client.saveDashboard(d.json(), d.folderUid(), message));
            }
        }

        /** Runs one operation with retries; records it as applied or failed. */
        private boolean attempt(PlanOperation op, String subject, Call call) {
            for (int attempt = 1; ; attempt++) {
                try {
                    call.run();
                    applied.add(op);
                    return true;
                } catch (ChangedMeanwhile e) {
                    LOG.info("{}: {} changed on the backend since it was read; left for the write-back", plan.backend(), subject);
                    skip(op, subject, "changed on the backend since it was read (left for the write-back)");
                    return false;
                } catch (GrafanaApiException e) {
                    if (attempt >= retry.maxAttempts() || !RetryPolicy.isTransient(e)) {
                        String cause = e.getMessage() + (attempt > 1 ? " (after " + attempt + " attempts)" : "");
                        LOG.warn("{}: {} failed: {}", plan.backend(), subject, cause);
                        failures.add(new ApplyFailure(plan.backend(), subject, op, cause));
                        return false;
                    }
                    if (!pause(retry.backoff(attempt))) {
                        failures.add(new ApplyFailure(plan.backend(), subject, op, "interrupted while retrying: "
                                + e.getMessage()));
                        return false;
                    }
                }
            }
        }

        private void skip(PlanOperation op, String subject, String why) {
            failures.add(new ApplyFailure(plan.backend(), subject, op, "skipped: " + why));
        }
    }

    /** A conditional save refused with 412: someone saved the dashboard after the plan read it. */
    private static final class ChangedMeanwhile extends RuntimeException {
        ChangedMeanwhile(GrafanaApiException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private static boolean isDashboardOp(PlanOperation op) {
        return op instanceof PlanOperation.CreateDashboard || op instanceof PlanOperation.UpdateDashboard
                || op instanceof PlanOperation.MoveDashboard || op instanceof PlanOperation.DeleteDashboard;
    }

    /** Waits {@code d} on the scheduler; false when interrupted or the scheduler is shut down (closing). */
    private boolean pause(Duration d) {
        CompletableFuture<Void> due = new CompletableFuture<>();
        try {
            scheduler.schedule(() -> due.complete(null), d);
            due.get();
            return true;
        } catch (RejectedExecutionException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One Grafana call (or two, for a folder renamed and moved). */
    @FunctionalInterface
    private interface Call {
        void run() throws GrafanaApiException;
    }
}
