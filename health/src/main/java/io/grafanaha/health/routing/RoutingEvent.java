package io.grafanaha.health.routing;

import java.time.Instant;

/**
 * Every transition the routing table makes, with its reason: kept in a bounded list for
 * {@code /api/status}, logged as one line each, and handed to {@link RoutingListener}s (metrics).
 * {@link #type()} is the {@code "type"} of the status JSON.
 */
public sealed interface RoutingEvent {

    Instant at();

    /** The status-JSON type: up, down, failover, failback, drained, enabled, last-resort, ... */
    String type();

    /** Why, in words. */
    String reason();

    /** One log line: {@code type key=value ... reason="..."}. */
    String describe();

    /** A backend's checks say it can serve. */
    record BackendUp(Instant at, String backend, String reason) implements RoutingEvent {
        public String type() { return "up"; }
        public String describe() { return "up backend=" + backend + " reason=\"" + reason + "\""; }
    }

    /** A backend's checks (or the proxy) say it cannot serve. */
    record BackendDown(Instant at, String backend, String reason) implements RoutingEvent {
        public String type() { return "down"; }
        public String describe() { return "down backend=" + backend + " reason=\"" + reason + "\""; }
    }

    /** The first backend to serve since start (or since nothing was routable). Not a failover. */
    record Activated(Instant at, String backend, String reason) implements RoutingEvent {
        public String type() { return "activated"; }
        public String describe() { return "activated backend=" + backend + " reason=\"" + reason + "\""; }
    }

    /** Traffic moved away from {@code from} (failover mode). */
    record Failover(Instant at, String from, String to, FailoverCause cause, String reason) implements RoutingEvent {
        public String type() { return "failover"; }
        public String describe() {
            return "failover from=" + from + " to=" + to + " cause=" + cause.label() + " reason=\"" + reason + "\"";
        }
    }

    /** Traffic returned to the primary (failover mode). */
    record Failback(Instant at, String from, String to, FailoverCause cause, String reason) implements RoutingEvent {
        public String type() { return "failback"; }
        public String describe() {
            return "failback from=" + from + " to=" + to + " cause=" + cause.label() + " reason=\"" + reason + "\"";
        }
    }

    /** An operator took a backend out of new routing; in-flight requests finish. */
    record Drained(Instant at, String backend, String reason) implements RoutingEvent {
        public String type() { return "drained"; }
        public String describe() { return "drained backend=" + backend + " reason=\"" + reason + "\""; }
    }

    /** An operator brought a drained backend back. */
    record Enabled(Instant at, String backend, String reason) implements RoutingEvent {
        public String type() { return "enabled"; }
        public String describe() { return "enabled backend=" + backend + " reason=\"" + reason + "\""; }
    }

    /** A configuration reload added a backend; it gets traffic once its first check passes. */
    record Added(Instant at, String backend, String reason) implements RoutingEvent {
        public String type() { return "added"; }
        public String describe() { return "added backend=" + backend + " reason=\"" + reason + "\""; }
    }

    /**
     * A configuration reload removed a backend: it gets no new traffic; requests in flight finish, its
     * WebSocket tunnels are closed like a drained backend's.
     */
    record Removed(Instant at, String backend, String reason) implements RoutingEvent {
        public String type() { return "removed"; }
        public String describe() { return "removed backend=" + backend + " reason=\"" + reason + "\""; }
    }

    /** A configuration reload changed how the table routes (mode, failback, last resort, a backend's url or role). */
    record Reconfigured(Instant at, String reason) implements RoutingEvent {
        public String type() { return "reconfigured"; }
        public String describe() { return "reconfigured reason=\"" + reason + "\""; }
    }

    /** Nothing is routable; traffic goes to the last backend known good. */
    record LastResort(Instant at, String backend, String reason) implements RoutingEvent {
        public String type() { return "last-resort"; }
        public String describe() { return "last-resort backend=" + backend + " reason=\"" + reason + "\""; }
    }

    /** Nothing is routable and there is no last resort: requests get no backend. */
    record NoneRoutable(Instant at, String reason) implements RoutingEvent {
        public String type() { return "none-routable"; }
        public String describe() { return "none-routable reason=\"" + reason + "\""; }
    }
}
