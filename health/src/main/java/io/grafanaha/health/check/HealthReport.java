package io.grafanaha.health.check;

import java.time.Instant;

/**
 * A read-only view of one backend's checks for {@code /api/status}. {@code lastCheck},
 * {@code latencyMs} and {@code lastError} are null before the first check; {@code build} until an answer
 * named one.
 */
public record HealthReport(HealthState state, Instant lastCheck, Long latencyMs, int consecutiveFailures,
                           int consecutiveProxyFailures, String lastError, GrafanaBuild build) {

    /** Without a known build. */
    public HealthReport(HealthState state, Instant lastCheck, Long latencyMs, int consecutiveFailures,
                        int consecutiveProxyFailures, String lastError) {
        this(state, lastCheck, latencyMs, consecutiveFailures, consecutiveProxyFailures, lastError, null);
    }
}
