package io.grafanaha.sync;

import io.grafanaha.sync.actual.AppliedBlobs;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.freshness.FreshnessTracker;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.git.FetchResult;
import io.grafanaha.sync.git.GitMirror;
import io.grafanaha.sync.library.LibraryStep;
import io.grafanaha.sync.schedule.PassOutcome;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass: fetch the branch, read the dashboards at the head (once per commit), then every backend's part at once
 * on the {@code backends} executor ({@link BackendPass}), waiting for all of them. Runs on the sync's pass thread,
 * one at a time ({@link io.grafanaha.sync.schedule.PassScheduler}); {@link #gitStatus()} and {@link #desired()} may
 * be read from any thread.
 */
final class SyncPass {
    private static final Logger LOG = LoggerFactory.getLogger(SyncPass.class);

    private final SyncSettings settings;
    private final Map<String, SyncTarget> targets;
    private final SyncListener listener;
    private final Clock clock;
    private final GitMirror mirror;
    private final FreshnessTracker freshness;
    private final AppliedBlobs appliedBlobs;
    private final BackendPass backendPass;
    private final Executor backends;
    private final LibraryStep library;
    private final AtomicInteger fetchFailures = new AtomicInteger();
    private final AtomicLong fetchFailuresTotal = new AtomicLong();

    private volatile Optional<Instant> lastFetch = Optional.empty();
    private volatile Optional<String> lastFetchError = Optional.empty();
    private volatile DesiredState desired;

    SyncPass(SyncSettings settings, Map<String, SyncTarget> targets, SyncListener listener, Clock clock,
            GitMirror mirror, FreshnessTracker freshness, AppliedBlobs appliedBlobs, BackendPass backendPass,
            Executor backends, LibraryStep library) {
        this.library = library;
        this.settings = settings;
        this.targets = targets;
        this.listener = listener;
        this.clock = clock;
        this.mirror = mirror;
        this.freshness = freshness;
        this.appliedBlobs = appliedBlobs;
        this.backendPass = backendPass;
        this.backends = backends;
    }

    /**
     * One pass over {@code batch}. Not {@code full}: dashboards whose file did not change are not asked about again
     * (see {@link SyncService#requestSyncOfChange}).
     */
    PassOutcome run(List<String> batch, boolean full) {
        try {
            if (!pass(batch.stream().map(targets::get).toList(), full)) {
                return new PassOutcome.NotFetched(fetchFailures.get());
            }
        } catch (RuntimeException e) {
            LOG.error("sync pass failed unexpectedly", e);
            return new PassOutcome.NotFetched(fetchFailures.get());
        }
        return new PassOutcome.Fetched(batch.stream()
                .filter(name -> freshness.status(name).lastError().isPresent()).collect(Collectors.toSet()));
    }

    /** Returns whether the fetch succeeded. */
    private boolean pass(List<SyncTarget> batch, boolean full) {
        long fetched = appliedBlobs.ticket();
        long t0 = System.nanoTime();
        FetchResult fetch = fetch();
        long t1 = System.nanoTime();
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
        LOG.debug("pass ({}): fetch {} ms, read the head {} ms", full ? "full" : "for a change in Git",
                (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (SyncTarget t : batch) {
            runs.add(CompletableFuture.runAsync(() -> backendPass.run(t, state, head.get(), fetched, full), backends));
        }
        CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).join();
        return !(fetch instanceof FetchResult.Failed);
    }

    /** Fetches the branch, recording success or failure for {@link #gitStatus()}. */
    FetchResult fetch() {
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
    DesiredState read(CommitInfo head) throws IOException {
        DesiredState cached = desired;
        if (cached != null && cached.commit().equals(head.id())) {
            return cached;
        }
        DesiredState state = settings.reader(mirror.repository()).setCommit(head.id()).setPrevious(cached).call();
        state = library.read(mirror.repository(), state); // dashboards using a library panel Git lacks are skipped
        desired = state;
        if (!state.errors().isEmpty()) {
            state.errors().forEach(e -> LOG.warn("skipped {}", e.message()));
            emit(new SyncEvent.FileErrors(head.name(), state.errors()));
        }
        return state;
    }

    /** The {@code git} part of the status. */
    GitStatus gitStatus() {
        Optional<CommitInfo> head = mirror.head();
        return new GitStatus(head.map(CommitInfo::name), head.map(CommitInfo::subject), lastFetch, lastFetchError,
                fetchFailuresTotal.get());
    }

    /** The desired state last read; null before the first read. */
    DesiredState desired() {
        return desired;
    }

    private void emit(SyncEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            LOG.warn("sync listener failed on {}: {}", event, e.toString());
        }
    }
}
