package io.grafanaha.health.routing;

import io.grafanaha.health.RoutingMode;
import java.time.Instant;
import java.util.List;

/**
 * A consistent, read-only picture of the routing table. {@code active} lists who gets new traffic:
 * the one serving backend in failover mode, every routable one in load-balance mode, or the last
 * resort when nothing is routable ({@code lastResortInUse}). {@code failbackDue} is when a running
 * failback hold ends (the primary gets traffic back then if it stays up and fresh), or null.
 */
public record RoutingSnapshot(RoutingMode mode, List<String> active, boolean lastResortInUse,
                              String forcedTarget, Instant failbackDue, List<BackendRouting> backends,
                              List<RoutingEvent> events) {}
