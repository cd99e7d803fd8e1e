package io.grafanaha.health.routing;

import java.time.Instant;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What serves when nothing is routable: with the policy's {@code lastResort}, the last backend known good
 * (the first that served before everything failed, if not drained) keeps getting traffic, a tiny-cluster
 * panic mode; without it, nothing does. Entering either state is an event. Used under the routing table's
 * lock only.
 */
final class LastResort {

    private boolean allowed;
    private String lastGood;
    /** The backends configured now; null until a reload says. A removed backend is never the last good one. */
    private Set<String> known;
    private boolean degraded = true; // nothing routable yet; the start is not worth an event

    LastResort(boolean allowed) {
        this.allowed = allowed;
    }

    /** A reload: the policy's new switch; a last good backend the reload removed is forgotten. */
    void reconfigure(boolean allowed, Set<String> known) {
        this.allowed = allowed;
        this.known = Set.copyOf(known);
        if (lastGood != null && !known.contains(lastGood)) {
            lastGood = null;
        }
    }

    /** The backend that serves while {@code next} has nothing routable, or null. */
    String decide(Selection previous, Selection next, Set<String> drained, Instant now, String trigger,
                  Consumer<RoutingEvent> emit) {
        if (!next.routable().isEmpty()) {
            degraded = false;
            return null;
        }
        if (!previous.serving().isEmpty() && (known == null || known.contains(previous.serving().get(0)))) {
            lastGood = previous.serving().get(0);
        }
        String resort = allowed && lastGood != null && !drained.contains(lastGood) ? lastGood : null;
        if (!degraded) {
            degraded = true;
            emit.accept(resort != null
                    ? new RoutingEvent.LastResort(now, resort, "no backend routable after " + trigger
                            + "; sending traffic to the last one known good")
                    : new RoutingEvent.NoneRoutable(now, "no backend routable after " + trigger));
        }
        return resort;
    }
}
