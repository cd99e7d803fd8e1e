package io.grafanaha.gateway.app;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.sync.SyncSettings;
import io.grafanaha.sync.SyncThreads;
import io.grafanaha.sync.schedule.Scheduler;
import io.grafanaha.sync.writeback.WriteBackThreads;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clock and every thread pool of the health checks, the sync and the write-back: created here, handed to the
 * parts, and shut down here in order (see {@code package-info.java} for what runs where). The Netty event loops are
 * the proxy's and the admin server's, which pick their transport.
 *
 * <p>Pools start their threads on first use, so a gateway without a sync section never starts a sync thread. Every
 * thread is a daemon: a stuck call never keeps the JVM alive after {@code close()}.
 */
public final class Threads implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Threads.class);
    private static final long SHUTDOWN_WAIT_SECONDS = 10;

    private final Clock clock = Clock.systemUTC();
    /** Health checks: short probes; two threads so one slow probe never delays the other backend's. */
    private final ScheduledExecutorService healthChecks = Executors.newScheduledThreadPool(2, named("health-checks"));
    /** Fires the sync's interval, backoffs and retry waits; never blocks, so it must not run passes. */
    private final ScheduledExecutorService syncTimer = Executors.newSingleThreadScheduledExecutor(named("sync-timer"));
    /** Runs the passes, one at a time; a pass blocks it while it waits for the backends' parts. */
    private final ExecutorService syncPasses = Executors.newSingleThreadExecutor(named("sync"));
    /** One backend's part of a pass each (read, plan, apply): one thread per backend. */
    private final ExecutorService syncBackends;
    /** Dashboard calls of the backends' parts: {@code sync concurrency} per backend. */
    private final ExecutorService syncApply;
    /** Parallel reads of dashboards and folders, for the passes and the write-back's polling alike. */
    private final ExecutorService syncReads = Executors.newCachedThreadPool(daemon("sync-read"));
    /** Re-resolves the backends' DNS names ({@code backends[].discovery}) and applies what changed. */
    private final ScheduledExecutorService discovery = Executors.newSingleThreadScheduledExecutor(named("dns-discovery"));
    /** The write-back's thread: journal replay, commits and pushes, polling. */
    private final ScheduledThreadPoolExecutor writeBack;
    /** The write-back's journal thread: forces captured edits to disk before their answers are relayed. */
    private final ScheduledThreadPoolExecutor writeBackJournal;

    private Threads(int backends, int applyConcurrency) {
        this.syncBackends = Executors.newFixedThreadPool(Math.max(1, backends), daemon("sync-backend"));
        this.syncApply = Executors.newFixedThreadPool(Math.max(1, backends * applyConcurrency), daemon("sync-apply"));
        this.writeBack = new ScheduledThreadPoolExecutor(1, named("writeback"));
        this.writeBackJournal = new ScheduledThreadPoolExecutor(1, named("writeback-journal"));
        // Closing stops polling and retries at once; pending edits stay in the journal for the next start.
        writeBack.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        writeBackJournal.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** The threads for {@code config}: pools sized by its backends and the sync's concurrency. */
    public static Threads of(GatewayConfig config) {
        int concurrency = config.sync().map(s -> SyncSetup.settings(s).concurrency()).orElse(1);
        return new Threads(config.backends().size(), concurrency);
    }

    /** The one clock: status timestamps, health state machines, the sync's fetch times, captured edits. */
    public Clock clock() {
        return clock;
    }

    ScheduledExecutorService discovery() {
        return discovery;
    }

    ScheduledExecutorService healthChecks() {
        return healthChecks;
    }

    /** What the sync runs on. */
    public SyncThreads sync() {
        return new SyncThreads(syncPasses, Scheduler.of(syncTimer), syncBackends, syncApply);
    }

    /** Where each backend's client reads dashboards in parallel. */
    public Executor syncReads() {
        return syncReads;
    }

    /** The write-back's threads; {@code WriteBack.close()} shuts them down, after which they must not be given again. */
    WriteBackThreads writeBack() {
        return new WriteBackThreads(writeBack, writeBackJournal);
    }

    /**
     * Stops the sync's and the write-back's threads; call after {@code WriteBack.close()} and
     * {@code SyncService.close()}, which let the running work finish (and refuse new work). Calls still running get
     * up to 10 s, with the timer still up so a call waiting to be retried is not left waiting forever; the timer and
     * the reads they may wait on stop last.
     */
    public void closeSync() {
        writeBack.shutdown(); // WriteBack.close() did so already and waited for the edit in progress
        writeBackJournal.shutdown();
        syncPasses.shutdownNow();
        List.of(syncBackends, syncApply).forEach(ExecutorService::shutdown);
        awaitTermination(List.of(syncBackends, syncApply));
        syncTimer.shutdownNow();
        syncReads.shutdownNow();
    }

    /** Stops every thread; the sync's first (see {@link #closeSync()}), then the health checks. */
    @Override
    public void close() {
        closeSync();
        discovery.shutdownNow();
        healthChecks.shutdownNow();
    }

    private static void awaitTermination(List<ExecutorService> pools) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SHUTDOWN_WAIT_SECONDS);
        try {
            for (ExecutorService pool : pools) {
                if (!pool.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    log.warn("sync calls still running after {} s; leaving them", SHUTDOWN_WAIT_SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Daemon threads all called {@code name} (the health checks' two, and single threads). */
    private static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Daemon threads called {@code name-1}, {@code name-2}... */
    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
