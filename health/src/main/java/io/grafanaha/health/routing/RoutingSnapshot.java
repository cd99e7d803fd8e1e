package io.grafanaha.health.routing;

import io.grafanaha.health.RoutingMode;
import java.util.List;

/**
 * A consistent, read-only picture of the routing table. {@code active} lists who gets new traffic:
 * the one serving backend in failover mode, every routable one in load-balance mode, or the last
 * resort when nothing is routable ({@code lastResortInUse}).
 */
public record RoutingSnapshot(RoutingMode mode, List<String> active, boolean lastResortInUse,
                              String forcedTarget, List<BackendRouting> backends, List<RoutingEvent> events) {}
