package io.grafanaha.health.routing;

/**
 * The routing table's answer for one attempt. {@code affinityChanged}: in a mode with affinity (load
 * balance), the chosen backend differs from the affinity value the caller passed (or it passed none), so
 * a sticky cookie must be (re)set; never in failover mode.
 * {@code lastResort}: no backend is routable and this is the last one known good.
 */
public record Pick(String backend, boolean affinityChanged, boolean lastResort) {}
