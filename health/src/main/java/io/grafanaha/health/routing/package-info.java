/**
 * Who should serve: the {@link io.grafanaha.health.routing.RoutingTable} (health and drain state, last
 * resort, events, immutable views for the proxy), one strategy class per routing mode (failover with a
 * failback hold, round robin with affinity), the {@link io.grafanaha.health.routing.FailbackGate} and
 * admin actions.
 */
package io.grafanaha.health.routing;
