package io.grafanaha.sync.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs tasks on the test's thread as a {@link ManualClock} is advanced: the sync's timer, and (as an
 * {@link Executor}) its pass thread, whose tasks are due at once.
 */
final class ManualScheduler implements Scheduler, Executor {
    private record Task(Instant due, long seq, Runnable body, boolean[] cancelled) {}

    private final ManualClock clock;
    private final PriorityQueue<Task> tasks =
            new PriorityQueue<>(Comparator.comparing(Task::due).thenComparingLong(Task::seq));
    private long seq;
    private boolean shutDown;

    ManualScheduler(ManualClock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, Duration delay) {
        if (shutDown) {
            throw new RejectedExecutionException("shut down");
        }
        boolean[] cancelled = {false};
        tasks.add(new Task(clock.instant().plus(delay), seq++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    @Override
    public void execute(Runnable task) {
        schedule(task, Duration.ZERO);
    }

    /** Runs what is due now, including what that schedules for now. */
    void runDue() {
        advance(Duration.ZERO);
    }

    /** Moves time forward by {@code d}, running every task that falls due, in order. */
    void advance(Duration d) {
        Instant target = clock.instant().plus(d);
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.due().isAfter(target)) {
                    break;
                }
                tasks.poll();
            }
            if (!next.cancelled()[0]) {
                clock.set(next.due());
                next.body().run();
            }
        }
        clock.set(target);
    }

    /** Delays from now of the tasks still pending, soonest first. */
    synchronized List<Duration> pendingDelays() {
        List<Duration> out = new ArrayList<>();
        tasks.stream().filter(t -> !t.cancelled()[0]).sorted(Comparator.comparing(Task::due))
                .forEach(t -> out.add(Duration.between(clock.instant(), t.due())));
        return out;
    }

    /** Refuses new tasks from now on, as a shut-down executor does. */
    synchronized void shutDown() {
        shutDown = true;
    }
}
