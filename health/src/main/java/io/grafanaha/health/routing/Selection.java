package io.grafanaha.health.routing;

import java.time.Instant;
import java.util.List;

/**
 * What a {@link RoutingStrategy} decided after the last change. Immutable: the routing table publishes
 * it and the proxy's hot path reads it without a lock.
 *
 * @param routable        backends that may get new traffic, in the strategy's order
 * @param serving         who gets new traffic: the active backend (failover) or every routable one (round
 *                        robin); empty when nothing serves
 * @param forced          the backend an operator forced, or null
 * @param failbackDue     when the failback hold ends, or null when none is running
 * @param awaitingPrimary at start, nothing serves until the primary's first check has answered
 */
record Selection(List<String> routable, List<String> serving, String forced, Instant failbackDue,
                 boolean awaitingPrimary) {

    /** Before the first change: nobody serves. */
    static final Selection NONE = new Selection(List.of(), List.of(), null, null, false);

    Selection {
        routable = List.copyOf(routable);
        serving = List.copyOf(serving);
    }
}
