package io.grafanaha.sync.schedule;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one thing the sync needs from a timer: run a task after a delay, cancellably. Production adapts the
 * gateway's {@code sync-timer} {@link ScheduledExecutorService}, whose thread only hands work on and never blocks;
 * tests use a manual scheduler driven by a fake clock, so intervals and backoffs are checked without waiting.
 */
@FunctionalInterface
public interface Scheduler {

    /**
     * Runs {@code task} once {@code delay} has passed.
     *
     * @throws java.util.concurrent.RejectedExecutionException if the scheduler is shut down
     */
    Cancellable schedule(Runnable task, Duration delay);

    /** A scheduled task that may be cancelled before it runs. */
    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }

    /** A scheduler over {@code executor}, which the caller owns and shuts down. */
    static Scheduler of(ScheduledExecutorService executor) {
        Objects.requireNonNull(executor, "executor");
        return (task, delay) -> {
            var future = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        };
    }
}
