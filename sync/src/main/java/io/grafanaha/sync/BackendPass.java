package io.grafanaha.sync;

import io.grafanaha.sync.apply.ApplyFailure;
import io.grafanaha.sync.apply.ApplyPlan;
import io.grafanaha.sync.apply.ApplyResult;
import io.grafanaha.sync.desired.DesiredDashboard;
import io.grafanaha.sync.actual.AppliedBlobs;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.freshness.FreshnessTracker;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.library.LibraryStep;
import io.grafanaha.sync.actual.BackendState;
import io.grafanaha.sync.actual.KnownTree;
import io.grafanaha.sync.actual.ManagedTree;
import io.grafanaha.sync.plan.Plan;
import io.grafanaha.sync.plan.PlanOperation;
import io.grafanaha.sync.plan.PlanResult;
import io.grafanaha.sync.plan.PlanSync;
import io.grafanaha.sync.schedule.Scheduler;
import java.time.Clock;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One backend's part of a pass: read what it holds, plan, apply, record freshness, tell the listener. */
final class BackendPass {
    private static final Logger LOG = LoggerFactory.getLogger(BackendPass.class);
    static final String READ = "read";
    static final String APPLY = "apply";
    static final String DELETE_LIMIT = "delete-limit";
    static final String HELD_DELETES = "held-deletes";

    private final SyncSettings settings;
    private final FreshnessTracker freshness;
    private final SyncListener listener;
    private final Executor applyPool;
    private final Scheduler timer;
    private final Clock clock;
    private final AppliedBlobs blobs;
    private final LibraryStep library;
    private final List<ResourceStep> steps;
    private final KnownTree knownTree = new KnownTree();

    BackendPass(SyncSettings settings, FreshnessTracker freshness, SyncListener listener, Executor applyPool,
            Scheduler timer, Clock clock, AppliedBlobs blobs, LibraryStep library, List<ResourceStep> steps) {
        this.library = library;
        this.steps = List.copyOf(steps);
        this.timer = timer;
        this.blobs = blobs;
        this.settings = settings;
        this.freshness = freshness;
        this.listener = listener;
        this.applyPool = applyPool;
        this.clock = clock;
    }

    /** Reads the backend and plans; throws naming the backend when it cannot be read. */
    static PlanResult plan(SyncTarget target, DesiredState desired, SyncSettings settings)
            throws GrafanaApiException {
        BackendState actual = new ManagedTree(target.client()).read(desired.rootFolderUid(),
                desired.dashboardsByUid().keySet(), desired.jsonByUid(), false);
        return new PlanSync(desired, actual).setDeleteLimit(settings.deleteLimit()).call();
    }

    /**
     * @param fetched the {@link AppliedBlobs#ticket()} taken before {@code head} was fetched: a dashboard the
     *     write-back pushed a newer version of since is left for the next pass, never set back to this head's
     * @param full whether to ask about every dashboard; otherwise one the client last saw holding its unchanged file
     *     is taken as still holding it
     */
    void run(SyncTarget target, DesiredState desired, CommitInfo head, long fetched, boolean full) {
        String name = target.name();
        long token = freshness.passStarting(name);
        boolean alreadyApplied = freshness.applied(name).filter(head.id()::equals).isPresent();
        long read = blobs.ticket();
        BackendState actual;
        LibraryStep.Before libraryPanels;
        long t0 = System.nanoTime();
        long t1;
        Optional<KnownTree.Listing> listing = full ? Optional.empty()
                : knownTree.get(name, desired.rootFolderUid(), desired.foldersByUid(), token);
        knownTree.forget(name); // recorded again only if this pass applies everything
        try {
            actual = new ManagedTree(target.client()).read(desired.rootFolderUid(),
                    desired.dashboardsByUid().keySet(), desired.jsonByUid(), !full, listing);
            t1 = System.nanoTime();
            // Then library panels (with the folders they live in): a dashboard must not arrive before its panels.
            libraryPanels = library.beforeDashboards(target.client(), desired, listing.isEmpty());
            if (libraryPanels.createdFolders()) { // read again, or the plan would create them a second time
                actual = new ManagedTree(target.client()).read(desired.rootFolderUid(),
                        desired.dashboardsByUid().keySet(), desired.jsonByUid(), !full);
            }
        } catch (GrafanaApiException e) {
            String error = "cannot read " + name + ": " + e.getMessage();
            LOG.warn(error);
            freshness.passFailed(name, READ, error, -1, -1);
            emit(new SyncEvent.BackendUnreachable(name, error));
            return;
        }
        desired = libraryPanels.desired();
        int held = actual.dashboards().size();
        PlanResult result = new PlanSync(desired, actual).setDeleteLimit(settings.deleteLimit()).call();
        if (result instanceof PlanResult.Refused refused) {
            LOG.warn(refused.reason());
            freshness.passFailed(name, DELETE_LIMIT, refused.reason(), alreadyApplied ? drift(refused.wouldBe()) : 0,
                    held);
            emit(new SyncEvent.DeleteLimitRefused(name, refused.reason()));
            return;
        }
        Plan planned = ((PlanResult.Ready) result).plan();
        Plan plan = withoutHeld(planned, desired, actual, fetched);
        int drift = alreadyApplied ? drift(plan) : 0;
        if (drift > 0) {
            LOG.info("{}: {} dashboard(s) differ from {} although it was applied: overwriting edits made outside "
                    + "Git", name, drift, head.shortName());
        }
        long t2 = System.nanoTime();
        ApplyResult applied = new ApplyPlan(target.client(), plan, head).setConcurrency(settings.concurrency())
                .setRetryPolicy(settings.retry()).setExecutor(applyPool).setScheduler(timer).call();
        long t3 = System.nanoTime();
        if (applied.succeeded() && plan == planned && !libraryPanels.createdFolders()) {
            knownTree.recordApplied(name, desired.rootFolderUid(), desired.foldersByUid(), token, actual,
                    plan.operations());
        }
        Optional<String> libraryDeletes = library.afterDashboards(target.client());
        Optional<String> libraryError = libraryPanels.error().or(() -> libraryDeletes);
        recordBlobs(name, desired, actual, planned, plan, applied, read);
        blobs.persist();
        int created = (int) applied.count(PlanOperation.CreateDashboard.class);
        int deleted = (int) applied.count(PlanOperation.DeleteDashboard.class);
        int dashboards = held + created - deleted;
        // The other kinds after the dashboards (rules live in their folders); the pass is applied only if all are.
        StepsResult steps = applied.succeeded() ? runSteps(target, desired, head, alreadyApplied, full)
                : new StepsResult(0, Optional.empty(), Optional.empty());
        drift += steps.drift();
        long t4 = System.nanoTime();
        LOG.debug("{}: read the tree {} ms ({}), library panels and plan {} ms, apply {} ms, other kinds {} ms", name,
                millis(t1 - t0), listing.isPresent() ? "as the last pass left it" : "walked", millis(t2 - t1),
                millis(t3 - t2), millis(t4 - t3));
        if (applied.succeeded() && libraryError.isPresent()) {
            LOG.warn("{}: {}", name, libraryError.get());
            freshness.passFailed(name, APPLY, libraryError.get(), drift, dashboards);
        } else if (steps.error().isPresent()) {
            freshness.passFailed(name, steps.kind().orElseThrow(), steps.error().get(), drift, dashboards);
        } else if (applied.succeeded() && planned.heldDeletes().isPresent()) {
            LOG.warn("{}: {}", name, planned.heldDeletes().get());
            freshness.passHeldBack(name, head.id(), clock.instant(), drift, dashboards, HELD_DELETES,
                    planned.heldDeletes().get());
        } else if (applied.succeeded()) {
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

    /** What the resource steps did: their drift summed, and the first failure's kind and error. */
    private record StepsResult(int drift, Optional<String> kind, Optional<String> error) {}

    /** Runs every resource step, each even when one before it failed. */
    private StepsResult runSteps(SyncTarget target, DesiredState desired, CommitInfo head, boolean alreadyApplied,
            boolean full) {
        Optional<String[]> first = Optional.empty();
        int drift = 0;
        for (ResourceStep step : steps) {
            ResourceStep.Outcome outcome;
            try {
                outcome = step.apply(target, desired, head, alreadyApplied, full);
            } catch (RuntimeException e) {
                LOG.error("{}: {} step failed unexpectedly", target.name(), step.kind(), e);
                outcome = ResourceStep.Outcome.failed(0, 0, step.kind() + ": " + e);
            }
            drift += outcome.drift();
            if (outcome.error().isPresent()) {
                LOG.warn("{}: {}: {}", target.name(), step.kind(), outcome.error().get());
                if (first.isEmpty()) {
                    first = Optional.of(new String[] {step.kind(), outcome.error().get()});
                }
            } else if (outcome.changes() > 0) {
                LOG.info("{}: {} change(s) to {} for {}", target.name(), outcome.changes(), step.kind(),
                        head.shortName());
            }
        }
        return new StepsResult(drift, first.map(f -> f[0]), first.map(f -> f[1]));
    }

    /**
     * The plan without what the write-back holds on this backend (an edit there is not in Git yet), and without
     * dashboards whose file the write-back pushed anew after this pass fetched (applying this older head would set
     * the backend back; the pass the write-back asked for applies the new one).
     */
    private Plan withoutHeld(Plan plan, DesiredState desired, BackendState actual, long fetched) {
        Set<String> deletedThere = deletedThere(plan, desired, actual);
        List<PlanOperation> kept = plan.operations().stream()
                .filter(op -> heldUid(op).filter(uid -> blobs.holds(plan.backend(), uid) || blobs.headChangedSince(uid,
                        fetched, desired.dashboard(uid).map(d -> d.source().blobId()))).isEmpty())
                .filter(op -> !editedOutsideGit(plan.backend(), op, deletedThere)).toList();
        // Grafana deletes a folder with everything in it: a folder that still holds a dashboard left alone stays.
        List<PlanOperation> left = leftOut(plan.operations(), kept);
        Map<String, Optional<String>> parents = new HashMap<>();
        actual.folders().forEach(f -> parents.put(f.uid(), f.parentUid()));
        Set<String> holding = new HashSet<>();
        for (PlanOperation op : left) {
            if (op instanceof PlanOperation.DeleteDashboard d) {
                Optional<String> folder = Optional.of(d.folderUid());
                while (folder.isPresent() && holding.add(folder.get())) { // the folder and every one above it
                    folder = parents.getOrDefault(folder.get(), Optional.empty());
                }
            }
        }
        List<PlanOperation> ops = kept.stream()
                .filter(op -> !(op instanceof PlanOperation.DeleteFolder f && holding.contains(f.uid()))).toList();
        if (ops.size() == plan.operations().size()) {
            return plan;
        }
        LOG.info("{}: {} dashboard change(s) held back while edits made there are written to Git",
                plan.backend(), plan.operations().size() - ops.size());
        return new Plan(plan.backend(), plan.commit(), ops, plan.notes(), plan.heldDeletes());
    }

    /**
     * An update of a dashboard a user edited there, or the delete of one a user created there, taken by the
     * write-back instead. Asked whether or not Git's file changed since this process applied it: another gateway on
     * the same repository may have applied (or written back) that change, so the edit can be based on Git's newest
     * version although this process does not know it.
     */
    private boolean editedOutsideGit(String backend, PlanOperation op, Set<String> deletedThere) {
        if (op instanceof PlanOperation.DeleteDashboard d) {
            return blobs.takeCreated(backend, d.uid());
        }
        if (op instanceof PlanOperation.CreateDashboard c) {
            return deletedThere.contains(c.dashboard().uid()) && blobs.takeDeleted(backend, c.dashboard().uid());
        }
        DesiredDashboard d = op instanceof PlanOperation.UpdateDashboard u ? u.dashboard()
                : op instanceof PlanOperation.MoveDashboard m ? m.dashboard() : null;
        return d != null && blobs.takeEdit(backend, d.uid());
    }

    /**
     * The dashboards the plan would create although a pass found or made this backend hold Git's very version of them
     * (recorded across restarts): deleted there, by a user while no gateway ran or before polling saw it, the same
     * edit as polling finds. Not when Git's file changed since (an edit written back from there that the backend
     * lost, or a change it never got: creating it again loses nothing), nor when the
     * backend looks wiped or replaced: its managed root folder is gone, or more than one and more than
     * {@code sync.max-deletes} of its managed dashboards are (the rule polling uses); those are created again.
     */
    private Set<String> deletedThere(Plan plan, DesiredState desired, BackendState actual) {
        List<String> gone = plan.operations().stream().filter(PlanOperation.CreateDashboard.class::isInstance)
                .map(op -> ((PlanOperation.CreateDashboard) op).dashboard().uid())
                .filter(uid -> blobs.held(plan.backend(), uid).isPresent()
                        && blobs.held(plan.backend(), uid).equals(desired.dashboard(uid).map(d -> d.source().blobId())))
                .toList();
        if (gone.isEmpty()) {
            return Set.of();
        }
        boolean rootThere = actual.folders().stream().anyMatch(f -> f.uid().equals(desired.rootFolderUid()));
        int before = actual.dashboards().size() + gone.size();
        if (!rootThere || gone.size() > 1 && !settings.deleteLimit().allows(gone.size(), before)) {
            LOG.warn("{}: {} dashboard(s) it held are gone ({}), {}: created again from Git, not written back as "
                    + "deletes", plan.backend(), gone.size(), String.join(", ", gone.subList(0, Math.min(5,
                    gone.size()))), rootThere ? "more than sync.max-deletes " + settings.deleteLimit()
                    : "with the managed root folder (a wiped or new instance)");
            // What a wiped instance held is gone for good: a dashboard left missing later (its edit there pending,
            // then kept on a conflict branch) must be created again, not taken for a user's delete.
            blobs.forgetHeld(plan.backend(), rootThere ? gone : null);
            return Set.of();
        }
        return Set.copyOf(gone);
    }

    /**
     * After applying: which blob each managed dashboard now holds on this backend, for the write-back. A dashboard
     * whose change was left out of the plan (held, or taken by the write-back) or failed still holds something else:
     * recording Git's blob for it would make the backend look up to date and its user's next save look based on Git.
     */
    private void recordBlobs(String name, DesiredState desired, BackendState actual, Plan planned, Plan plan,
            ApplyResult applied, long read) {
        Set<String> untouched = new HashSet<>(actual.uidsOutsideTree());
        applied.failures().forEach(f -> heldUid(f.operation()).ifPresent(untouched::add));
        leftOut(planned.operations(), plan.operations()).forEach(op -> heldUid(op).ifPresent(untouched::add));
        for (DesiredDashboard d : desired.dashboards()) {
            if (!untouched.contains(d.uid()) && !blobs.holds(name, d.uid())) {
                blobs.recordApplied(name, d.uid(), d.source().blobId(), read);
                blobs.recordHeld(name, d.uid(), d.source().blobId());
            }
        }
        applied.applied().stream().filter(PlanOperation.DeleteDashboard.class::isInstance)
                .forEach(op -> blobs.recordRemoved(name, ((PlanOperation.DeleteDashboard) op).uid(), read));
    }

    /** The operations of {@code all} that are not in {@code kept} (the same objects, not equal ones). */
    private static List<PlanOperation> leftOut(List<PlanOperation> all, List<PlanOperation> kept) {
        Set<PlanOperation> in = Collections.newSetFromMap(new IdentityHashMap<>());
        in.addAll(kept);
        return all.stream().filter(op -> !in.contains(op)).toList();
    }

    /** The dashboard or folder uid an operation changes. */
    static Optional<String> heldUid(PlanOperation op) {
        if (op instanceof PlanOperation.CreateDashboard c) {
            return Optional.of(c.dashboard().uid());
        } else if (op instanceof PlanOperation.UpdateDashboard u) {
            return Optional.of(u.dashboard().uid());
        } else if (op instanceof PlanOperation.MoveDashboard m) {
            return Optional.of(m.dashboard().uid());
        } else if (op instanceof PlanOperation.DeleteDashboard d) {
            return Optional.of(d.uid());
        } else if (op instanceof PlanOperation.CreateFolder f) {
            return Optional.of(f.uid());
        } else if (op instanceof PlanOperation.UpdateFolder f) {
            return Optional.of(f.uid());
        } else if (op instanceof PlanOperation.DeleteFolder f) {
            return Optional.of(f.uid());
        }
        return Optional.empty();
    }

    private static long millis(long nanos) {
        return nanos / 1_000_000;
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
