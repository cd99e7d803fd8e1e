package io.grafanaha.gateway.admin;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * What the sync and the write-back did, for the status timeline beside the routing events: passes that
 * changed something, refusals, write-back commits and conflicts. Bounded: the oldest entries go first.
 */
public final class ActivityLog {
    /** One line of the timeline. {@code type} is a short word the ops page shows as a badge. */
    public record Activity(Instant at, String type, Optional<String> backend, String reason) {}

    static final int CAPACITY = 200;

    private final Clock clock;
    private final Deque<Activity> entries = new ArrayDeque<>();

    public ActivityLog(Clock clock) {
        this.clock = clock;
    }

    public synchronized void record(String type, Optional<String> backend, String reason) {
        entries.addLast(new Activity(clock.instant(), type, backend, reason));
        while (entries.size() > CAPACITY) {
            entries.removeFirst();
        }
    }

    /** Oldest first. */
    public synchronized List<Activity> recent() {
        return List.copyOf(entries);
    }
}
