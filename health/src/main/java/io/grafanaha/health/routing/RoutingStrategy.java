package io.grafanaha.health.routing;

import io.grafanaha.health.Backend;
import io.grafanaha.health.RoutingMode;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * How one routing mode chooses among the backends the {@link RoutingTable} says may serve: one class per
 * mode (Armeria's endpoint selection strategy). The table owns health, drain, the last resort, locking and
 * events; a strategy only answers "who serves?".
 *
 * <p>Threading: {@link #decide} (and a strategy's admin methods) run under the table's lock only, so a
 * strategy's own fields need no further guarding; {@link #select} runs on event loops at the same time
 * and reads nothing but the immutable {@link Selection} it is given (plus, for round robin, an atomic
 * cursor).
 */
sealed interface RoutingStrategy permits FailoverWithHold, RoundRobinWithAffinity {

    static RoutingStrategy of(RoutingPolicy policy, List<Backend> backends, FailbackGate gate) {
        return switch (policy.mode()) {
            case FAILOVER -> new FailoverWithHold(backends, policy.failback(), gate);
            case LOAD_BALANCE -> new RoundRobinWithAffinity(backends);
        };
    }

    /**
     * The strategy for a reloaded configuration, carrying over what the previous one knew that still
     * applies (who serves, an operator's forced choice, a running failback hold), so a reload that does not
     * touch the serving backend moves no traffic.
     */
    static RoutingStrategy reconfigured(RoutingStrategy previous, RoutingPolicy policy, List<Backend> backends,
                                        FailbackGate gate) {
        RoutingStrategy next = of(policy, backends, gate);
        if (next instanceof FailoverWithHold failover) {
            failover.continueFrom(previous);
        }
        return next;
    }

    RoutingMode mode();

    /** Every backend's name, in the order this mode prefers them. */
    List<String> order();

    /**
     * Decides who serves after any change; under the table's lock. {@code trigger} is the reason of the
     * events it emits; {@code cause} is used if the serving backend has to be replaced.
     */
    Selection decide(Candidates candidates, String trigger, FailoverCause cause, Consumer<RoutingEvent> emit);

    /** The backend for one attempt, never one of {@code exclude}, or null; lock-free. */
    String select(Selection selection, Set<String> exclude, String affinity);

    /** Whether this mode keeps a client on one backend, so an answer may have to (re)set its affinity. */
    boolean usesAffinity();
}
