package io.grafanaha.health.routing;

/**
 * Told about every {@link RoutingEvent}, in order, while the routing table's lock is held: keep it
 * fast (update a metric) and do not block.
 */
@FunctionalInterface
public interface RoutingListener {
    void onEvent(RoutingEvent event);
}
