package io.grafanaha.health;

/** A backend's place in failover mode: the primary serves while it can, replicas stand by in order. */
public enum Role {
    PRIMARY,
    REPLICA
}
