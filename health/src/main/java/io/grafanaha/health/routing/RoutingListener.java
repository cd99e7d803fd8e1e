package io.grafanaha.health.routing;

/**
 * Told about every {@link RoutingEvent}, in order, after the routing table's lock is released, so it may
 * read the table (it sees the change the event announces) or hand work to other threads that do. It runs
 * on the thread that made the change, or on one that made a change at the same time and is already
 * delivering (a health check, an admin call, an event loop): keep it fast and do not block.
 */
@FunctionalInterface
public interface RoutingListener {
    void onEvent(RoutingEvent event);
}
