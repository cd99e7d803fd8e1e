package io.grafanaha.health.routing;

/**
 * Told about every {@link RoutingEvent}, in order, while the routing table's lock (and possibly a
 * health checker's lock) is held: keep it fast (update a metric), do not block, and do not call back
 * into the {@code HealthService} or the table (read the status snapshot elsewhere).
 */
@FunctionalInterface
public interface RoutingListener {
    void onEvent(RoutingEvent event);
}
