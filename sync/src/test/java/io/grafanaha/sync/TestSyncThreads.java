package io.grafanaha.sync;

import io.grafanaha.sync.schedule.Scheduler;
import io.grafanaha.sync.writeback.WriteBackThreads;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Real threads for a test's sync services and write-backs, as the gateway's wiring makes them; closed by the test. */
public final class TestSyncThreads implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("test-sync-timer"));
    private final ExecutorService passes = Executors.newSingleThreadExecutor(daemon("test-sync"));
    private final ExecutorService backends = Executors.newCachedThreadPool(daemon("test-sync-backend"));
    private final ExecutorService apply = Executors.newCachedThreadPool(daemon("test-sync-apply"));
    private final ExecutorService reads = Executors.newCachedThreadPool(daemon("test-sync-read"));
    private final List<ExecutorService> writeBacks = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** What a {@link SyncService} runs on. */
    public SyncThreads sync() {
        return new SyncThreads(passes, Scheduler.of(timer), backends, apply);
    }

    /** Where backends' clients read in parallel. */
    public ExecutorService reads() {
        return reads;
    }

    /** The timer, for an {@code ApplyPlan}'s retries. */
    public Scheduler timer() {
        return Scheduler.of(timer);
    }

    /** New write-back threads (each write-back shuts its own down when closed). */
    public WriteBackThreads writeBack() {
        return new WriteBackThreads(single("test-writeback"), single("test-writeback-journal"));
    }

    private ScheduledExecutorService single(String name) {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemon(name));
        t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        writeBacks.add(t);
        return t;
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        writeBacks.forEach(ExecutorService::shutdownNow);
        passes.shutdownNow();
        backends.shutdownNow();
        apply.shutdownNow();
        reads.shutdownNow();
        timer.shutdownNow();
    }
}
