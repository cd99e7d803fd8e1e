package io.grafanaha.health.routing;

import java.util.ArrayDeque;
import java.util.List;

/** The most recent events, oldest first, bounded so a flapping backend cannot grow memory. */
public final class EventLog {

    public static final int DEFAULT_CAPACITY = 200;

    private final int capacity;
    private final ArrayDeque<RoutingEvent> events = new ArrayDeque<>();

    public EventLog(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.capacity = capacity;
    }

    public synchronized void add(RoutingEvent event) {
        if (events.size() == capacity) {
            events.removeFirst();
        }
        events.addLast(event);
    }

    public synchronized List<RoutingEvent> recent() {
        return List.copyOf(events);
    }
}
