package io.grafanaha.health;

import io.grafanaha.health.routing.RoutingEvent;
import java.time.Instant;
import java.util.List;

/**
 * The health half of {@code /api/status}: mode, who gets new traffic, every backend, and the recent
 * events oldest first. {@code forcedTarget} is the backend an operator forced, or null;
 * {@code failbackDue} is when a running failback hold ends, or null.
 */
public record StatusSnapshot(RoutingMode mode, List<String> active, boolean lastResortInUse, String forcedTarget,
                             Instant failbackDue, List<BackendStatus> backends, List<RoutingEvent> events) {}
