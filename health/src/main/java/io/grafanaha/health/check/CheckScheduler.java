package io.grafanaha.health.check;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one thing the checker needs from a scheduler: run a task after a delay, cancellably. Production
 * adapts a {@link ScheduledExecutorService}; tests use a manual scheduler driven by a fake clock.
 */
@FunctionalInterface
public interface CheckScheduler {

    Cancellable schedule(Runnable task, Duration delay);

    /** A scheduled task that may be cancelled before it runs. */
    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }

    static CheckScheduler of(ScheduledExecutorService executor) {
        Objects.requireNonNull(executor, "executor");
        return (task, delay) -> {
            var future = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        };
    }
}
