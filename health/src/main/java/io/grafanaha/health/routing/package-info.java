/**
 * Who should serve: the failover / load-balance routing state machine, failback rules and the
 * {@link io.grafanaha.health.routing.FailbackGate}, admin actions, and the events every transition emits.
 */
package io.grafanaha.health.routing;
