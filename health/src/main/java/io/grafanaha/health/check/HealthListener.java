package io.grafanaha.health.check;

/** Told by the {@link HealthChecker} about state changes and finished checks (the routing table). */
public interface HealthListener {

    /** {@code backend} changed state; called once per change, in order for that backend. */
    void onHealthChange(String backend, Transition transition);

    /** A check of {@code backend} finished, whatever its outcome: a chance to re-evaluate timers. */
    default void onChecked(String backend) {}
}
