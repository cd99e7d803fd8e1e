package io.grafanaha.sync.schedule;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when passes run; the pass itself is someone else's ({@link Pass}).
 *
 * <ul>
 *   <li><b>One at a time, coalesced.</b> A request while no pass runs starts one at once on {@code passThread}. Requests
 *       made while a pass runs are gathered into exactly one more pass, over every backend they named, and full if
 *       any of them asked for a full pass. A request's future completes when a pass that started after it ends.</li>
 *   <li><b>The interval.</b> After a pass over every backend whose fetch worked, the next one comes {@code interval}
 *       later; each such pass moves the timer.</li>
 *   <li><b>Fetch backoff.</b> After a pass that could not fetch, the next full pass comes after 1 s, 2 s, 4 s... (by
 *       failed fetches in a row), capped at the interval, so Git coming back is noticed within seconds.</li>
 *   <li><b>Backend backoff.</b> A backend whose part of a pass failed gets a pass of its own after 1 s, 2 s, 4 s... (by
 *       its failures in a row) up to the interval, until one succeeds: a primary back from an outage whose API was
 *       not ready for its first pass would otherwise stay stale, and the failback gate closed, until the interval.</li>
 *   <li><b>Close.</b> {@link #close()} cancels the timer, answers pending requests and waits a while for the running
 *       pass; requests after it fail.</li>
 * </ul>
 *
 * <p>Threads: passes run on {@code passThread} (they block it for their duration); {@code timer} only fires the
 * interval and the backoffs, each of which is just a request. Requests may come from any thread.
 */
public final class PassScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PassScheduler.class);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final long CLOSE_WAIT_MILLIS = TimeUnit.SECONDS.toMillis(10);

    /** One pass over some backends, run on the pass thread. */
    @FunctionalInterface
    public interface Pass {
        /**
         * @param backends the backends to sync, in request order
         * @param full whether to check every dashboard (see {@code SyncService#requestSyncOfChange})
         */
        PassOutcome run(List<String> backends, boolean full);
    }

    private final List<String> backends;
    /** Guarded by lock; a configuration reload may change it. */
    private Duration interval;
    private final Pass pass;
    private final Executor passThread;
    private final Scheduler timer;

    private final Object lock = new Object();
    private boolean running;
    private boolean closed;
    private final Set<String> pending = new LinkedHashSet<>();
    /** Whether a pending request asked for a full pass. */
    private boolean pendingFull;
    private CompletableFuture<Void> pendingDone = new CompletableFuture<>();
    private Scheduler.Cancellable nextTick;
    /** Backend → passes in a row whose part for it failed. */
    private final Map<String, Integer> backendFailures = new HashMap<>();
    private long passes;

    /**
     * @param backends every backend, in configuration order
     * @param interval time between passes over every backend, and the cap of every backoff
     * @param passThread runs the passes; owned by the caller
     * @param timer fires the interval and the backoffs; owned by the caller
     */
    public PassScheduler(Collection<String> backends, Duration interval, Pass pass, Executor passThread,
            Scheduler timer) {
        this.backends = List.copyOf(new LinkedHashSet<>(backends));
        this.interval = Objects.requireNonNull(interval, "interval");
        this.pass = Objects.requireNonNull(pass, "pass");
        this.passThread = Objects.requireNonNull(passThread, "passThread");
        this.timer = Objects.requireNonNull(timer, "timer");
        if (this.backends.isEmpty()) {
            throw new IllegalArgumentException("there must be at least one backend to schedule passes for");
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the interval must be positive, got " + interval);
        }
    }

    /**
     * A new interval (a configuration reload): the next wait after a pass, and the cap of backoffs from now on. A tick
     * already scheduled keeps its time.
     */
    public void interval(Duration newInterval) {
        Objects.requireNonNull(newInterval, "interval");
        if (newInterval.isNegative() || newInterval.isZero()) {
            throw new IllegalArgumentException("the interval must be positive, got " + newInterval);
        }
        synchronized (lock) {
            interval = newInterval;
        }
    }

    /**
     * Asks for a pass over {@code names}; returns at once. The future completes when a pass that started after this
     * request ends (at once, if the scheduler is closed meanwhile), and fails if the scheduler is already closed.
     */
    public CompletableFuture<Void> request(Collection<String> names, boolean full) {
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the sync service is closed"));
            }
            pending.addAll(names);
            pendingFull |= full;
            CompletableFuture<Void> done = pendingDone;
            if (!running) {
                startNextLocked();
            }
            return done;
        }
    }

    /** Passes run so far (whatever their outcome). */
    public long passes() {
        synchronized (lock) {
            return passes;
        }
    }

    private void startNextLocked() {
        running = true;
        List<String> batch = List.copyOf(pending);
        CompletableFuture<Void> done = pendingDone;
        boolean full = pendingFull;
        pending.clear();
        pendingFull = false;
        pendingDone = new CompletableFuture<>();
        try {
            passThread.execute(() -> runPass(batch, full, done));
        } catch (RuntimeException e) {
            running = false;
            done.completeExceptionally(e);
        }
    }

    private void runPass(List<String> batch, boolean full, CompletableFuture<Void> done) {
        PassOutcome outcome = new PassOutcome.NotFetched(1);
        try {
            outcome = pass.run(batch, full);
        } catch (RuntimeException e) {
            LOG.error("sync pass failed unexpectedly", e);
        } finally {
            synchronized (lock) {
                passes++;
                if (outcome instanceof PassOutcome.Fetched f) {
                    retryFailedBackendsSoonLocked(batch, f.failed());
                }
            }
            done.complete(null);
            synchronized (lock) {
                if (!closed && outcome instanceof PassOutcome.Fetched && batch.size() == backends.size()) {
                    scheduleNextTickLocked(interval);
                } else if (!closed && outcome instanceof PassOutcome.NotFetched n) {
                    scheduleNextTickLocked(backoff(Math.max(1, n.failuresInARow())));
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
            nextTick.cancel();
        }
        try {
            nextTick = timer.schedule(() -> request(backends, true), delay);
        } catch (RejectedExecutionException e) {
            LOG.debug("no next pass: the timer is shut down");
        }
    }

    private void retryFailedBackendsSoonLocked(List<String> batch, Set<String> failed) {
        for (String name : batch) {
            if (!failed.contains(name)) {
                backendFailures.remove(name);
                continue;
            }
            Duration delay = backoff(backendFailures.merge(name, 1, Integer::sum));
            if (closed) {
                continue;
            }
            try {
                timer.schedule(() -> {
                    if (!isClosed()) {
                        request(Set.of(name), true);
                    }
                }, delay);
            } catch (RejectedExecutionException e) {
                LOG.debug("not retrying {}: the timer is shut down", name);
            }
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** One second for the first failure in a row, doubled for each further one, capped at the interval. */
    Duration backoff(int failures) {
        Duration interval;
        synchronized (lock) {
            interval = this.interval;
        }
        Duration delay = FIRST_RETRY.compareTo(interval) < 0 ? FIRST_RETRY : interval;
        for (int i = 1; i < failures && delay.compareTo(interval) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(interval) < 0 ? delay : interval;
    }

    /** Cancels the timer, completes pending requests and waits up to 10 s for a running pass. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (nextTick != null) {
                nextTick.cancel();
            }
            pendingDone.complete(null);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
            while (running) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    LOG.warn("a sync pass is still running after {} ms; closing anyway", CLOSE_WAIT_MILLIS);
                    break;
                }
                try {
                    lock.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
    }
}
