package io.grafanaha.health;

/**
 * Receives what the proxy saw of each backend attempt; the seam for passive failure detection.
 * Called on an event-loop thread: implementations must be quick and must not block.
 */
@FunctionalInterface
public interface OutcomeListener {
    /** Ignores every outcome; the default until passive detection exists. */
    OutcomeListener NONE = (backend, outcome) -> { };

    void onOutcome(Backend backend, Outcome outcome);
}
