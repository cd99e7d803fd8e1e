package io.grafanaha.sync;

import io.grafanaha.sync.actual.AppliedBlobs;
import io.grafanaha.sync.alerting.AlertingLedger;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.actual.AppliedBlobsFile;
import io.grafanaha.sync.freshness.AppliedStateStore;
import io.grafanaha.sync.freshness.CommitDistance;
import io.grafanaha.sync.freshness.FreshnessTracker;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.git.FetchResult;
import io.grafanaha.sync.git.GitMirror;
import io.grafanaha.sync.desired.SyncScope;
import io.grafanaha.sync.library.LibraryStep;
import io.grafanaha.sync.plan.PlanResult;
import io.grafanaha.sync.schedule.PassScheduler;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every backend's managed dashboards identical to one path of one Git branch.
 *
 * <p>A <em>pass</em> ({@link SyncPass}) fetches the branch, reads the dashboards at the head, and for each backend (in
 * parallel) reads what it holds, plans and applies the difference, and records its {@linkplain FreshnessTracker
 * freshness}. When passes run is the {@link PassScheduler}'s: one at a time, every {@code sync.interval} after
 * {@link #start()}, and on demand; requests made while a pass runs are coalesced into exactly one more pass covering
 * every backend they named.
 *
 * <p>When Git cannot be fetched the error is recorded ({@link GitStatus#lastError()}), the fetch is retried with
 * exponential backoff from one second (capped at the interval), and the pass goes on with the head the mirror already
 * holds, so backends keep (or get back to) the last known content and nothing is deleted because Git is down.
 *
 * <p>This class is the facade the gateway uses: it wires the two and answers the status. It creates no thread: every
 * one it uses comes in {@link SyncThreads}.
 *
 * <pre>{@code
 * SyncService sync = new SyncService(settings, List.of(SyncTarget.of("grafana-a", url, token)), listener,
 *         clock, threads);
 * sync.start();
 * sync.requestSync("webhook");
 * boolean mayFailBack = sync.isFresh("grafana-a");
 * }</pre>
 */
public final class SyncService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncService.class);

    private final SyncSettings settings;
    private final Map<String, SyncTarget> targets = new LinkedHashMap<>();
    private final GitMirror mirror;
    private final FreshnessTracker freshness;
    private final AppliedBlobs appliedBlobs;
    private final SyncPass pass;
    private final LibraryStep library;
    private final PassScheduler scheduler;
    private final List<ResourceStep> steps;
    private final AlertingLedger alertingLedger;

    /**
     * Opens the Git mirror in {@code <data-dir>/mirror} and loads each backend's applied commit from
     * {@code <data-dir>/state}; touches neither the network nor the threads until {@link #start()} or a request.
     *
     * @param threads where passes, backends' parts, dashboard calls and timers run; owned by the caller, who shuts
     *     them down after {@link #close()}
     * @throws IOException if the mirror cannot be opened
     */
    public SyncService(SyncSettings settings, List<SyncTarget> targets, SyncListener listener, Clock clock,
            SyncThreads threads) throws IOException {
        this(settings, targets, listener, clock, threads, ResourceKinds.defaults());
    }

    /**
     * As above, with what the other resource kinds need: the environment for {@code ${VAR}} secrets and whether data
     * sources are synced.
     */
    public SyncService(SyncSettings settings, List<SyncTarget> targets, SyncListener listener, Clock clock,
            SyncThreads threads, ResourceKinds kinds) throws IOException {
        this.settings = Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(threads, "threads");
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("the sync needs at least one backend");
        }
        for (SyncTarget t : targets) {
            if (this.targets.putIfAbsent(t.name(), t) != null) {
                throw new IllegalArgumentException("backend name '" + t.name() + "' is used twice");
            }
        }
        this.mirror = GitMirror.open(settings.dataDir(), settings.source());
        this.appliedBlobs = new AppliedBlobs(new AppliedBlobsFile(settings.dataDir()));
        this.freshness = new FreshnessTracker(this.targets.keySet(), new AppliedStateStore(settings.dataDir()),
                new CommitDistance(mirror.repository()));
        mirror.head().ifPresent(h -> freshness.headChanged(h.id()));
        this.library = new LibraryStep(settings.path(), settings.deleteLimit(), settings.writeBack());
        this.alertingLedger = new AlertingLedger(Optional.of(settings.dataDir()));
        this.steps = ResourceSteps.create(settings, kinds, mirror.repository(), alertingLedger);
        BackendPass backendPass = new BackendPass(settings, freshness, listener, threads.apply(), threads.timer(),
                clock, appliedBlobs, library, steps);
        this.pass = new SyncPass(settings, this.targets, listener, clock, mirror, freshness, appliedBlobs,
                backendPass, threads.backends(), library);
        this.scheduler = new PassScheduler(this.targets.keySet(), settings.interval(), pass::run, threads.passes(),
                threads.timer());
    }

    /** A reloaded {@code sync.interval}: the wait after the next pass is the new one. */
    public void interval(java.time.Duration interval) {
        scheduler.interval(interval);
    }

    /** Runs a first pass now, then one every {@code sync.interval}. */
    public void start() {
        requestSync("start");
    }

    /**
     * Asks for a pass over every backend (webhook, admin call, captured edit). Returns at once; the future completes
     * when a pass that started after this request finishes. Requests during a pass coalesce into one more pass.
     */
    public CompletableFuture<Void> requestSync(String reason) {
        LOG.debug("sync requested: {}", reason);
        return scheduler.request(targets.keySet(), true);
    }

    /**
     * Asks for a pass because Git changed (a push announced by a webhook, an edit written back): as
     * {@link #requestSync}, but the pass does not ask the backends again about dashboards whose file did not change
     * and that it last saw holding that file, so a push reaches every backend in one or two calls per backend rather
     * than one per managed dashboard. Passes for any other reason (the interval, the admin API) check everything, so
     * an edit made on a backend to an unchanged dashboard is still found by them (and by write-back polling).
     */
    public CompletableFuture<Void> requestSyncOfChange(String reason) {
        LOG.debug("sync requested for a change: {}", reason);
        return scheduler.request(targets.keySet(), false);
    }

    /**
     * Asks for a pass over one backend, e.g. when it comes back up (after {@link #markStale}). Coalesces like
     * {@link #requestSync}.
     *
     * @throws IllegalArgumentException if no backend has that name
     */
    public CompletableFuture<Void> syncBackend(String name) {
        requireBackend(name);
        return scheduler.request(Set.of(name), true);
    }

    /** Whether the backend holds the Git head: cheap, non-blocking; see {@link FreshnessTracker}. */
    public boolean isFresh(String backend) {
        return freshness.isFresh(backend);
    }

    /** The backend went down: it must be synced again before it can be fresh. */
    public void markStale(String backend) {
        requireBackend(backend);
        freshness.markStale(backend);
    }

    /** Which Git blob each backend holds per dashboard, and the write-back's hold on passes. */
    public AppliedBlobs appliedBlobs() {
        return appliedBlobs;
    }

    /**
     * The blob of library panel {@code uid}'s file that a pass of this process last wrote to (or found on)
     * {@code backend}; empty when unknown (no pass since start, or a panel Git does not hold). The write-back's base for
     * a library panel edit made there.
     */
    public Optional<ObjectId> libraryPanelApplied(String backend, String uid) {
        return library.applied(backend, uid);
    }

    /** Which rule groups each backend holds from Git, for the write-back's alerting poller. */
    public AlertingLedger alertingLedger() {
        return alertingLedger;
    }

    /** The backends, in configuration order. */
    public List<SyncTarget> targets() {
        return List.copyOf(targets.values());
    }

    /** The settings this service runs with ({@code writeBack} is for the gateway's write capture). */
    public SyncSettings settings() {
        return settings;
    }

    /** A snapshot for {@code /api/status} and the {@code gateway_sync_*} metrics. */
    public SyncStatus status() {
        DesiredState d = pass.desired();
        return new SyncStatus(pass.gitStatus(), freshness.statuses(), d == null ? List.of() : d.errors(),
                scheduler.passes(), kept());
    }

    /** What lives in Git and on every instance, for the ops page: the rest of each instance is its own. */
    private String kept() {
        return settings.scope() == SyncScope.INSTANCE
                ? "Git keeps the whole instance, General included, the same on every backend (sync.scope: instance)."
                : "Git keeps folder \"" + settings.folderTitle() + "\" and its sub-folders, the same on every backend;"
                        + " dashboards elsewhere (General included) are per instance: missing after a failover.";
    }

    /**
     * {@code sync --dry-run}: fetches, reads the head and plans for every backend without writing anything.
     *
     * @throws IOException if Git has never been fetched successfully, or a backend cannot be read (naming it)
     */
    public Map<String, PlanResult> plan() throws IOException {
        FetchResult fetch = pass.fetch();
        CommitInfo head = fetch.head().orElseThrow(() -> new IOException(
                fetch instanceof FetchResult.Failed f ? f.error() : "no head for " + settings.source().displayUrl()));
        DesiredState state = pass.read(head);
        Map<String, PlanResult> plans = new LinkedHashMap<>();
        for (SyncTarget t : targets.values()) {
            plans.put(t.name(), BackendPass.plan(t, state, settings));
        }
        return plans;
    }

    /**
     * {@code sync --dry-run}, after {@link #plan()}: the library panel changes each backend needs, as printed.
     *
     * @throws IOException if a backend's library panels cannot be read (naming it)
     */
    public Map<String, String> planLibraryPanels() throws IOException {
        DesiredState state = pass.desired();
        if (state == null) {
            throw new IOException("plan() reads Git first");
        }
        Map<String, String> plans = new LinkedHashMap<>();
        for (SyncTarget t : targets.values()) {
            plans.put(t.name(), library.plan(t.client(), state).render());
        }
        return plans;
    }

    /**
     * {@code sync --dry-run} for the kinds beside dashboards (alerting, data sources): per backend, the lines each
     * would change, after {@link #plan()} read the head. Empty text for a backend where none has anything to say.
     *
     * @throws IOException if Git has never been fetched successfully, or a backend cannot be read (naming it)
     */
    public Map<String, String> planResources() throws IOException {
        FetchResult fetch = pass.fetch();
        CommitInfo head = fetch.head().orElseThrow(() -> new IOException(
                fetch instanceof FetchResult.Failed f ? f.error() : "no head for " + settings.source().displayUrl()));
        DesiredState state = pass.read(head);
        Map<String, String> plans = new LinkedHashMap<>();
        for (SyncTarget t : targets.values()) {
            StringBuilder sb = new StringBuilder();
            for (ResourceStep step : steps) {
                sb.append(step.plan(t, state, head));
            }
            plans.put(t.name(), sb.toString());
        }
        return plans;
    }

    private void requireBackend(String name) {
        if (!targets.containsKey(name)) {
            throw new IllegalArgumentException("no backend named '" + name + "' in the sync; known: "
                    + targets.keySet());
        }
    }

    /** Stops the timer, waits up to 10 s for a running pass, and closes the mirror; the threads stay the caller's. */
    @Override
    public void close() {
        scheduler.close();
        mirror.close();
    }
}
