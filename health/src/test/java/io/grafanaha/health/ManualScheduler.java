package io.grafanaha.health;

import io.grafanaha.health.check.CheckScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/** Runs scheduled tasks on the caller's thread as a {@link ManualClock} is advanced. */
public final class ManualScheduler implements CheckScheduler {

    private record Task(Instant due, long seq, Runnable body, boolean[] cancelled) {}

    private final ManualClock clock;
    private final PriorityQueue<Task> tasks =
            new PriorityQueue<>(Comparator.comparing(Task::due).thenComparingLong(Task::seq));
    private long seq;

    public ManualScheduler(ManualClock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, Duration delay) {
        boolean[] cancelled = {false};
        tasks.add(new Task(clock.instant().plus(delay), seq++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    /** Moves time forward by {@code d}, running every task that falls due, in order. */
    public void advance(Duration d) {
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

    /** Delays from now of the tasks still pending. */
    public synchronized List<Duration> pendingDelays() {
        List<Duration> out = new ArrayList<>();
        tasks.stream().filter(t -> !t.cancelled()[0]).sorted(Comparator.comparing(Task::due))
                .forEach(t -> out.add(Duration.between(clock.instant(), t.due())));
        return out;
    }
}
