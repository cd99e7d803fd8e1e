package io.grafanaha.health.check;

/**
 * What the checks say about a backend. {@link #UNKNOWN} is the state before the first check: such a
 * backend gets no traffic (it is reported as "down" in {@code /api/status}, with the difference exposed).
 */
public enum HealthState {
    UNKNOWN,
    UP,
    DOWN
}
