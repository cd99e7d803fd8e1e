package io.grafanaha.health;

/** The two scenarios of Grafana's HA guide. */
public enum RoutingMode {
    /** All traffic to the primary; to the first healthy replica when it fails. */
    FAILOVER,
    /** Round-robin over every healthy backend, with optional cookie affinity. */
    LOAD_BALANCE
}
