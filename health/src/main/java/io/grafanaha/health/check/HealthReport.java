package io.grafanaha.health.check;

import java.time.Instant;

/**
 * A read-only view of one backend's checks for {@code /api/status}. {@code lastCheck},
 * {@code latencyMs} and {@code lastError} are null before the first check.
 */
public record HealthReport(HealthState state, Instant lastCheck, Long latencyMs, int consecutiveFailures,
                           int consecutiveProxyFailures, String lastError) {}
