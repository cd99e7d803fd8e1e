package io.grafanaha.health.routing;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * What the routing table knows when it asks its strategy to decide: the health and drain state reduced
 * to the two facts selection needs.
 *
 * @param now       the table's clock
 * @param routable  backends up and not drained, in the strategy's order
 * @param unchecked backends not drained whose first check has not answered yet
 */
record Candidates(Instant now, List<String> routable, Set<String> unchecked) {}
