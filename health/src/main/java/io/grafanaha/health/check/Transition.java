package io.grafanaha.health.check;

/** A change of a backend's {@link HealthState}, with the reason in words. */
public record Transition(HealthState from, HealthState to, String reason) {}
