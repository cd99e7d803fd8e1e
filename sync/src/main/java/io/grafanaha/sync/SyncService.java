package io.grafanaha.sync;

import io.grafanaha.sync.actual.AppliedBlobs;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.FileError;
import io.grafanaha.sync.desired.ReadDesiredState;
import io.grafanaha.sync.freshness.AppliedStateStore;
import io.grafanaha.sync.freshness.CommitDistance;
import io.grafanaha.sync.freshness.FreshnessTracker;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.git.FetchResult;
import io.grafanaha.sync.git.GitMirror;
import io.grafanaha.sync.plan.PlanResult;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every backend's managed dashboards identical to one path of one Git branch.
 *
 * <p>A <em>pass</em> fetches the branch, reads the dashboards at the head, and for each backend (in parallel) reads
 * what it holds, plans and applies the difference, and records its {@linkplain FreshnessTracker freshness}. Passes run
 * one at a time on the injected scheduler: every {@code sync.interval} after {@link #start()}, and on demand. Requests
 * made while a pass runs are coalesced into exactly one more pass covering every backend they named.
 *
 * <p>When Git cannot be fetched the error is recorded ({@link GitStatus#lastError()}), the fetch is retried with
 * exponential backoff from one second (capped at the interval), and the pass goes on with the head the mirror already
 * holds, so backends keep (or get back to) the last known content and nothing is deleted because Git is down.
 *
 * <pre>{@code
 * SyncService sync = new SyncService(settings, List.of(SyncTarget.of("grafana-a", url, token)), listener,
 *         Clock.systemUTC(), scheduler);
 * sync.start();
 * sync.requestSync("webhook");
 * boolean mayFailBack = sync.isFresh("grafana-a");
 * }</pre>
 */
public final class SyncService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncService.class);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);

    private final SyncSettings settings;
    private final Map<String, SyncTarget> targets = new LinkedHashMap<>();
    private final SyncListener listener;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final GitMirror mirror;
    private final FreshnessTracker freshness;
    private final ExecutorService backendPool;
    private final ExecutorService applyPool;
    private final BackendPass backendPass;
    private final AppliedBlobs appliedBlobs = new AppliedBlobs();
    private final AtomicLong passes = new AtomicLong();
    private final AtomicInteger fetchFailures = new AtomicInteger();
    private final AtomicLong fetchFailuresTotal = new AtomicLong();

    private final Object lock = new Object();
    private boolean running;
    private boolean closed;
    private final Set<String> pending = new LinkedHashSet<>();
    /** Backend → passes in a row whose part for it failed (see {@link #retryFailedBackendsSoon}). */
    private final Map<String, Integer> backendFailures = new ConcurrentHashMap<>();
    /** Whether a pending request asked for a full pass (not only {@link #requestSyncOfChange}). */
    private boolean pendingFull;
    private CompletableFuture<Void> pendingDone = new CompletableFuture<>();
    private ScheduledFuture<?> nextTick;

    private volatile Optional<Instant> lastFetch = Optional.empty();
    private volatile Optional<String> lastFetchError = Optional.empty();
    private volatile DesiredState desired;

    /**
     * Opens the Git mirror in {@code <data-dir>/mirror} and loads each backend's applied commit from
     * {@code <data-dir>/state}; touches neither the network nor the scheduler until {@link #start()} or a request.
     *
     * @param scheduler runs the passes (one at a time, each blocking a thread for its duration) and the interval
     *     timer; owned by the caller, not shut down by {@link #close()}
     * @throws IOException if the mirror cannot be opened
     */
    public SyncService(SyncSettings settings, List<SyncTarget> targets, SyncListener listener, Clock clock,
            ScheduledExecutorService scheduler) throws IOException {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("the sync needs at least one backend");
        }
        for (SyncTarget t : targets) {
            if (this.targets.putIfAbsent(t.name(), t) != null) {
                throw new IllegalArgumentException("backend name '" + t.name() + "' is used twice");
            }
        }
        this.mirror = GitMirror.open(settings.dataDir(), settings.source());
        this.freshness = new FreshnessTracker(this.targets.keySet(), new AppliedStateStore(settings.dataDir()),
                new CommitDistance(mirror.repository()));
        mirror.head().ifPresent(h -> freshness.headChanged(h.id()));
        this.backendPool = Executors.newFixedThreadPool(targets.size(), daemon("sync-backend"));
        this.applyPool = Executors.newFixedThreadPool(targets.size() * settings.concurrency(), daemon("sync-apply"));
        this.backendPass = new BackendPass(settings, freshness, listener, applyPool, clock, appliedBlobs);
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
        return request(targets.keySet(), true);
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
        return request(targets.keySet(), false);
    }

    /**
     * Asks for a pass over one backend, e.g. when it comes back up (after {@link #markStale}). Coalesces like
     * {@link #requestSync}.
     *
     * @throws IllegalArgumentException if no backend has that name
     */
    public CompletableFuture<Void> syncBackend(String name) {
        requireBackend(name);
        return request(Set.of(name), true);
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
        Optional<CommitInfo> head = mirror.head();
        DesiredState d = desired;
        GitStatus git = new GitStatus(head.map(CommitInfo::name), head.map(CommitInfo::subject), lastFetch,
                lastFetchError, fetchFailuresTotal.get());
        return new SyncStatus(git, freshness.statuses(), d == null ? List.of() : d.errors(), passes.get());
    }

    /**
     * {@code sync --dry-run}: fetches, reads the head and plans for every backend without writing anything.
     *
     * @throws IOException if Git has never been fetched successfully, or a backend cannot be read (naming it)
     */
    public Map<String, PlanResult> plan() throws IOException {
        FetchResult fetch = fetch();
        CommitInfo head = fetch.head().orElseThrow(() -> new IOException(
                fetch instanceof FetchResult.Failed f ? f.error() : "no head for " + settings.source().displayUrl()));
        DesiredState state = read(head);
        Map<String, PlanResult> plans = new LinkedHashMap<>();
        for (SyncTarget t : targets.values()) {
            plans.put(t.name(), BackendPass.plan(t, state, settings));
        }
        return plans;
    }

    // ---- scheduling -------------------------------------------------------------------------------------------

    private CompletableFuture<Void> request(Set<String> backends, boolean full) {
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the sync service is closed"));
            }
            pending.addAll(backends);
            pendingFull |= full;
            CompletableFuture<Void> done = pendingDone;
            if (!running) {
                startNextLocked();
            }
            return done;
        }
    }

    private void startNextLocked() {
        running = true;
        List<SyncTarget> batch = pending.stream().map(targets::get).toList();
        CompletableFuture<Void> done = pendingDone;
        boolean full = pendingFull;
        pending.clear();
        pendingFull = false;
        pendingDone = new CompletableFuture<>();
        try {
            scheduler.execute(() -> runPass(batch, full, done));
        } catch (RuntimeException e) {
            running = false;
            done.completeExceptionally(e);
        }
    }

    private void runPass(List<SyncTarget> batch, boolean full, CompletableFuture<Void> done) {
        boolean fetched = false;
        try {
            fetched = pass(batch, full);
        } catch (RuntimeException e) {
            LOG.error("sync pass failed unexpectedly", e);
        } finally {
            passes.incrementAndGet();
            if (fetched) {
                retryFailedBackendsSoon(batch);
            }
            done.complete(null);
            synchronized (lock) {
                if (!closed && (batch.size() == targets.size() || !fetched)) {
                    scheduleNextTickLocked(fetched ? settings.interval() : retryDelay());
                }
                if (!pending.isEmpty() && !closed) {
                    startNextLocked();
                } else {
                    running = false;
                    lock.notifyAll();
                }
            }
        }
    }

    private void scheduleNextTickLocked(Duration delay) {
        if (nextTick != null) {
            nextTick.cancel(false);
        }
        nextTick = scheduler.schedule(() -> requestSync("interval"), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A backend whose part of a pass failed (it could not be read, or an operation failed) gets a pass of its own
     * after 1 s, 2 s, 4 s... up to the interval, until one succeeds: a primary back from an outage whose API was not
     * ready for its first pass would otherwise stay stale, and the failback gate closed, until the next interval.
     */
    private void retryFailedBackendsSoon(List<SyncTarget> batch) {
        for (SyncTarget t : batch) {
            if (freshness.status(t.name()).lastError().isEmpty()) {
                backendFailures.remove(t.name());
                continue;
            }
            Duration delay = backoff(backendFailures.merge(t.name(), 1, Integer::sum));
            synchronized (lock) {
                if (!closed) {
                    try {
                        scheduler.schedule(() -> {
                            if (!closed) {
                                syncBackend(t.name());
                            }
                        }, delay.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (RejectedExecutionException e) {
                        LOG.debug("not retrying {}: the scheduler is shut down", t.name());
                    }
                }
            }
        }
    }

    /** Exponential backoff after failed fetches, from one second, capped at the interval. */
    private Duration retryDelay() {
        return backoff(Math.max(1, fetchFailures.get()));
    }

    /** One second for the first failure in a row, doubled for each further one, capped at the interval. */
    private Duration backoff(int failures) {
        Duration delay = FIRST_RETRY.compareTo(settings.interval()) < 0 ? FIRST_RETRY : settings.interval();
        for (int i = 1; i < failures && delay.compareTo(settings.interval()) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(settings.interval()) < 0 ? delay : settings.interval();
    }

    // ---- the pass ---------------------------------------------------------------------------------------------

    /**
     * One pass over {@code batch}; returns whether the fetch succeeded. Not {@code full}: dashboards whose file did
     * not change are not asked about again (see {@link #requestSyncOfChange}).
     */
    private boolean pass(List<SyncTarget> batch, boolean full) {
        long fetched = appliedBlobs.ticket();
        FetchResult fetch = fetch();
        Optional<CommitInfo> head = fetch.head();
        if (head.isEmpty()) {
            LOG.warn("nothing to sync yet: {}", lastFetchError.orElse("no head"));
            return false;
        }
        DesiredState state;
        try {
            state = read(head.get());
        } catch (IOException | RuntimeException e) {
            String error = "cannot read commit " + head.get().shortName() + " of "
                    + settings.source().displayUrl() + ": " + e.getMessage();
            LOG.error(error, e);
            batch.forEach(t -> freshness.passFailed(t.name(), BackendPass.READ, error, -1, -1));
            return !(fetch instanceof FetchResult.Failed);
        }
        if (!(fetch instanceof FetchResult.Failed)) {
            appliedBlobs.headRead(state, fetched);
        }
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (SyncTarget t : batch) {
            runs.add(CompletableFuture.runAsync(() -> backendPass.run(t, state, head.get(), fetched, full), backendPool));
        }
        CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).join();
        return !(fetch instanceof FetchResult.Failed);
    }

    private FetchResult fetch() {
        FetchResult fetch = mirror.fetch();
        if (fetch instanceof FetchResult.Failed f) {
            lastFetchError = Optional.of(f.error());
            int n = fetchFailures.incrementAndGet();
            fetchFailuresTotal.incrementAndGet();
            emit(new SyncEvent.FetchFailed(f.error(), n));
        } else {
            lastFetch = Optional.of(clock.instant());
            lastFetchError = Optional.empty();
            fetchFailures.set(0);
        }
        fetch.head().ifPresent(h -> {
            if (!freshness.head().equals(Optional.of(h.id()))) {
                freshness.headChanged(h.id());
            }
        });
        return fetch;
    }

    /** The desired state at {@code head}, read once per commit. */
    private DesiredState read(CommitInfo head) throws IOException {
        DesiredState cached = desired;
        if (cached != null && cached.commit().equals(head.id())) {
            return cached;
        }
        DesiredState state = new ReadDesiredState(mirror.repository()).setCommit(head.id()).setPrevious(cached)
                .setPath(settings.path()).setRootFolderTitle(settings.folderTitle()).call();
        desired = state;
        if (!state.errors().isEmpty()) {
            state.errors().forEach(e -> LOG.warn("skipped {}", e.message()));
            emit(new SyncEvent.FileErrors(head.name(), state.errors()));
        }
        return state;
    }

    private void emit(SyncEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            LOG.warn("sync listener failed on {}: {}", event, e.toString());
        }
    }

    private void requireBackend(String name) {
        if (!targets.containsKey(name)) {
            throw new IllegalArgumentException("no backend named '" + name + "' in the sync; known: "
                    + targets.keySet());
        }
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Stops the timer, waits up to 10 s for a running pass, and closes the mirror. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (nextTick != null) {
                nextTick.cancel(false);
            }
            pendingDone.complete(null);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (running && System.nanoTime() < deadline) {
                try {
                    lock.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        backendPool.shutdown();
        applyPool.shutdown();
        try {
            backendPool.awaitTermination(10, TimeUnit.SECONDS);
            applyPool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        mirror.close();
    }
}
