package io.grafanaha.health.routing;

/**
 * Whether a recovered primary may take traffic back. The sync module answers "is it fresh?"; the
 * gateway wires that in. Called under the routing table's lock: keep it fast and non-blocking.
 */
@FunctionalInterface
public interface FailbackGate {

    /** The gate to use without a sync: always open. */
    FailbackGate ALWAYS = backend -> true;

    boolean allows(String backend);
}
