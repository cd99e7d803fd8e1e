package io.grafanaha.health;

import io.grafanaha.health.check.HealthReport;
import io.grafanaha.health.check.HealthState;
import java.net.URI;

/**
 * One backend in {@code /api/status}. {@code state} is the contract value (up, down, draining);
 * {@code checkState} keeps what "down" hides, namely {@link HealthState#UNKNOWN} before the first check.
 */
public record BackendStatus(String name, URI url, Role role, String state, HealthState checkState,
                            boolean routable, boolean active, HealthReport health) {}
