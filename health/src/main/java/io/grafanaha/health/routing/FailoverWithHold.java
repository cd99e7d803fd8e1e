package io.grafanaha.health.routing;

import io.grafanaha.health.Backend;
import io.grafanaha.health.Role;
import io.grafanaha.health.RoutingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failover mode: one backend serves. Priority is the primaries in configuration order, then the replicas
 * in order; the first is "the primary". The active backend keeps serving while routable; when it is not,
 * the first routable backend by priority takes over. Failback is non-preemptive: with
 * {@link FailbackPolicy.Mode#AUTO} traffic returns to the primary only once it has been routable and
 * {@link FailbackGate}-open continuously for {@code hold} (the gate is sampled at every decision, and any
 * closed sample restarts the hold); with {@code MANUAL} only {@link #failBack} returns it. Replicas never
 * preempt each other. {@link #force} makes a routable backend serve; the forced choice sticks (no auto
 * failback) until that backend stops being routable or {@link #failBack} is called, because an operator
 * who moved traffic on purpose should not see it moved back behind their back. At start, a replica is not
 * activated before the primary's first check has given its verdict, so a healthy primary serves from the
 * first request; after that, if nothing was serving, the first backend to become routable serves at once,
 * primary or not (serving something beats waiting for a hold).
 *
 * <p>Its fields change under the routing table's lock only (see {@link RoutingStrategy}).
 */
final class FailoverWithHold implements RoutingStrategy {

    private static final Logger log = LoggerFactory.getLogger(RoutingTable.class);

    private final List<String> order;
    private final String primary;
    private final FailbackPolicy failback;
    private final FailbackGate gate;

    /** Whether any backend has served yet; until then the primary's first check decides. */
    private boolean everActive;
    private String active;
    private String forced;
    private Instant holdSince;

    FailoverWithHold(List<Backend> backends, FailbackPolicy failback, FailbackGate gate) {
        List<String> priority = new ArrayList<>();
        backends.stream().filter(b -> b.role() == Role.PRIMARY).forEach(b -> priority.add(b.name()));
        backends.stream().filter(b -> b.role() != Role.PRIMARY).forEach(b -> priority.add(b.name()));
        this.order = List.copyOf(priority);
        this.primary = order.get(0);
        this.failback = Objects.requireNonNull(failback, "failback");
        this.gate = Objects.requireNonNull(gate, "gate");
    }

    /**
     * Takes over the state of the strategy this one replaces on a reload. The active backend is kept even
     * if the reload removed it, so the next {@link #decide} reports the move away from it as a failover;
     * a hold only continues if the primary is still the same backend.
     */
    void continueFrom(RoutingStrategy previous) {
        if (previous instanceof FailoverWithHold p) {
            everActive = p.everActive;
            active = p.active;
            forced = p.forced;
            holdSince = primary.equals(p.primary) ? p.holdSince : null;
        } else {
            // Load-balance mode served already: do not wait for the primary's first check again.
            everActive = true;
        }
    }

    @Override
    public RoutingMode mode() {
        return RoutingMode.FAILOVER;
    }

    @Override
    public List<String> order() {
        return order;
    }

    String primary() {
        return primary;
    }

    /** An operator makes {@code to} (routable, checked by the table) serve until it fails or fails back. */
    void force(String to, Instant now, Consumer<RoutingEvent> emit) {
        forced = to;
        holdSince = null;
        if (!to.equals(active)) {
            emit.accept(new RoutingEvent.Failover(now, active, to, FailoverCause.ADMIN, "operator forced " + to));
            active = to;
        }
    }

    /** An operator returns traffic to the (routable) primary now, clearing any forced choice. */
    void failBack(Instant now, Consumer<RoutingEvent> emit) {
        forced = null;
        holdSince = null;
        if (!primary.equals(active)) {
            emit.accept(new RoutingEvent.Failback(now, active, primary, FailoverCause.ADMIN, "operator requested failback"));
            active = primary;
        }
    }

    @Override
    public Selection decide(Candidates candidates, String trigger, FailoverCause cause, Consumer<RoutingEvent> emit) {
        Instant now = candidates.now();
        List<String> routable = candidates.routable();
        FailoverCause why = cause;
        if (forced != null && !routable.contains(forced)) {
            forced = null;
            why = FailoverCause.FORCED_TARGET_DOWN;
        }
        String next = forced != null ? forced : active;
        if (next == null || !routable.contains(next)) {
            next = routable.isEmpty() ? null : routable.get(0);
        }
        if (!everActive && next != null && !next.equals(primary) && candidates.unchecked().contains(primary)) {
            // At start every backend is checked at once; a replica that answers a few
            // milliseconds sooner must not take the traffic (and a failback hold) from a
            // healthy primary. Wait for the primary's first verdict, one check at most.
            next = null;
        }
        updateHold(now, next, routable);
        Instant failbackDue = null;
        boolean failingBack = false;
        if (holdSince != null) {
            Instant due = holdSince.plus(failback.hold());
            if (now.isBefore(due)) {
                failbackDue = due;
            } else {
                next = primary;
                failingBack = true;
                holdSince = null;
            }
        }
        // Nobody next means nothing routable: no event here, the table's last-resort rule speaks.
        if (!Objects.equals(next, active)) {
            if (next != null && active == null) {
                emit.accept(new RoutingEvent.Activated(now, next, trigger));
            } else if (next != null && failingBack) {
                emit.accept(new RoutingEvent.Failback(now, active, next, FailoverCause.PRIMARY_RECOVERED,
                        primary + " up and gate open for " + failback.hold().toMillis() + " ms"));
            } else if (next != null) {
                emit.accept(new RoutingEvent.Failover(now, active, next, why, trigger));
            }
            active = next;
            everActive |= next != null;
        }
        boolean awaitingPrimary = !everActive && candidates.unchecked().contains(primary);
        return new Selection(routable, active == null ? List.of() : List.of(active), forced, failbackDue, awaitingPrimary);
    }

    @Override
    public String select(Selection selection, Set<String> exclude, String affinity) {
        for (String serving : selection.serving()) {
            if (!exclude.contains(serving)) {
                return serving;
            }
        }
        if (selection.awaitingPrimary()) {
            return null;
        }
        return selection.routable().stream().filter(b -> !exclude.contains(b)).findFirst().orElse(null);
    }

    @Override
    public boolean usesAffinity() {
        return false;
    }

    /** Starts, keeps or restarts the failback hold: it runs while the primary is routable and gate-open. */
    private void updateHold(Instant now, String next, List<String> routable) {
        boolean waiting = failback.mode() == FailbackPolicy.Mode.AUTO
                && forced == null
                && next != null
                && !next.equals(primary)
                && routable.contains(primary);
        if (waiting && gateAllows()) {
            if (holdSince == null) {
                holdSince = now;
            }
        } else {
            holdSince = null;
        }
    }

    private boolean gateAllows() {
        try {
            return gate.allows(primary);
        } catch (RuntimeException e) {
            log.warn("failback gate failed for '{}'; treating it as closed", primary, e);
            return false;
        }
    }
}
