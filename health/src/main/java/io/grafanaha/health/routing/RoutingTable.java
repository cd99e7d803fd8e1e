package io.grafanaha.health.routing;

import io.grafanaha.health.Backend;
import io.grafanaha.health.Role;
import io.grafanaha.health.RoutingMode;
import io.grafanaha.health.check.HealthListener;
import io.grafanaha.health.check.HealthState;
import io.grafanaha.health.check.Transition;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who serves: the routing state machine. A backend is <em>routable</em> when its checks say
 * {@link HealthState#UP} and it is not drained. Time comes from the injected clock only.
 *
 * <p><b>Failover mode.</b> Priority is the primaries in configuration order, then the replicas in
 * order; the first is "the primary". The active backend keeps serving while routable; when it is not,
 * the first routable backend by priority takes over. Failback is non-preemptive: with
 * {@link FailbackPolicy.Mode#AUTO} traffic returns to the primary only once it has been routable and
 * {@link FailbackGate}-open continuously for {@code hold} (the gate is sampled at every change and
 * every finished check, and any closed sample restarts the hold); with {@code MANUAL} only
 * {@link #failback()} returns it. Replicas never preempt each other. {@link #failover(String)} forces
 * a routable backend; the forced choice sticks (no auto failback) until that backend stops being
 * routable or {@link #failback()} is called, because an operator who moved traffic on purpose should
 * not see it moved back behind their back. At start, a replica is not activated before the
 * primary's first check has given its verdict, so a healthy primary serves from the first request;
 * after that, if nothing was serving, the first backend to become routable serves at once, primary
 * or not (serving something beats waiting for a hold).
 *
 * <p><b>Load-balance mode.</b> Round-robin over the routable backends; an affinity value naming a
 * routable backend wins, otherwise the pick says the cookie must be re-set.
 *
 * <p><b>Nothing routable.</b> With {@code lastResort} the last backend known good (the last one that
 * served, if not drained) keeps getting traffic; otherwise no backend is picked. Both are events.
 *
 * <p>Thread-safety: state changes are synchronized; {@link #pick} reads an immutable view published
 * through a volatile field, so the proxy's hot path takes no lock.
 */
public final class RoutingTable implements HealthListener {

    private static final Logger log = LoggerFactory.getLogger(RoutingTable.class);

    private final RoutingPolicy policy;
    private final FailbackGate gate;
    private final Clock clock;
    private final Map<String, Backend> specs = new LinkedHashMap<>();
    private final List<String> order;
    private final EventLog events;
    private final List<RoutingListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger roundRobin = new AtomicInteger();

    private final Map<String, HealthState> health = new HashMap<>();
    private final Set<String> drained = new HashSet<>();
    /** Whether any backend has served yet; until then the primary's first check decides. */
    private boolean everActive;
    private String active;
    private String forced;
    private Instant holdSince;
    private String lastGood;
    private boolean degraded = true; // nothing routable yet; the start is not worth an event
    private volatile View view = new View(List.of(), null, null, null, false);

    /** What {@link #pick} needs, immutable. */
    /** {@code awaitingPrimary}: at start, nobody serves until the primary's first check has answered. */
    private record View(List<String> routable, String active, String lastResort, Instant failbackDue, boolean awaitingPrimary) {}

    public RoutingTable(List<Backend> backends, RoutingPolicy policy, FailbackGate gate, Clock clock,
                        int eventCapacity) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.events = new EventLog(eventCapacity);
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("at least one backend is needed");
        }
        for (Backend b : backends) {
            if (specs.put(b.name(), b) != null) {
                throw new IllegalArgumentException("duplicate backend name '" + b.name() + "'");
            }
            health.put(b.name(), HealthState.UNKNOWN);
        }
        List<String> priority = new ArrayList<>();
        if (policy.mode() == RoutingMode.FAILOVER) {
            backends.stream().filter(b -> b.role() == Role.PRIMARY).forEach(b -> priority.add(b.name()));
            backends.stream().filter(b -> b.role() != Role.PRIMARY).forEach(b -> priority.add(b.name()));
        } else {
            backends.forEach(b -> priority.add(b.name()));
        }
        this.order = List.copyOf(priority);
    }

    public RoutingTable(List<Backend> backends, RoutingPolicy policy, FailbackGate gate, Clock clock) {
        this(backends, policy, gate, clock, EventLog.DEFAULT_CAPACITY);
    }

    public void addListener(RoutingListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    // ---- the proxy's questions -------------------------------------------------------------

    /** A backend for a first attempt, with no affinity. */
    public Optional<Pick> pick() {
        return pick(Set.of(), null);
    }

    /** A backend for a retry: never one of {@code exclude} (the backends already tried). */
    public Optional<Pick> pick(Set<String> exclude) {
        return pick(exclude, null);
    }

    /**
     * A backend for one attempt, or empty when none may serve (answer 503).
     *
     * @param exclude  backends already tried for this request
     * @param affinity the sticky-cookie value, or null; honoured in load-balance mode when it names a
     *                 routable backend not excluded
     */
    public Optional<Pick> pick(Set<String> exclude, String affinity) {
        View v = view;
        if (v.failbackDue() != null && !clock.instant().isBefore(v.failbackDue())) {
            reevaluate();
            v = view;
        }
        String chosen = null;
        if (policy.mode() == RoutingMode.FAILOVER) {
            if (v.active() != null && !exclude.contains(v.active())) {
                chosen = v.active();
            } else if (!v.awaitingPrimary()) {
                chosen = v.routable().stream().filter(b -> !exclude.contains(b)).findFirst().orElse(null);
            }
        } else {
            if (affinity != null && v.routable().contains(affinity) && !exclude.contains(affinity)) {
                return Optional.of(new Pick(affinity, false, false));
            }
            List<String> candidates = exclude.isEmpty() ? v.routable()
                    : v.routable().stream().filter(b -> !exclude.contains(b)).toList();
            if (!candidates.isEmpty()) {
                chosen = candidates.get(Math.floorMod(roundRobin.getAndIncrement(), candidates.size()));
            }
        }
        if (chosen != null) {
            return Optional.of(new Pick(chosen, !chosen.equals(affinity), false));
        }
        String resort = v.lastResort();
        if (resort != null && !exclude.contains(resort)) {
            return Optional.of(new Pick(resort, !resort.equals(affinity), true));
        }
        return Optional.empty();
    }

    /** Whether {@code backend} may get new traffic now (for the readiness probe and metrics). */
    public boolean isRoutable(String backend) {
        requireKnown(backend);
        return view.routable().contains(backend);
    }

    /** Whether a first attempt would get a backend (the {@code /readyz} answer); no side effect. */
    public boolean ready() {
        View v = view;
        return (!v.routable().isEmpty() && !(v.active() == null && v.awaitingPrimary())) || v.lastResort() != null;
    }

    // ---- inputs from health ----------------------------------------------------------------

    @Override
    public synchronized void onHealthChange(String backend, Transition transition) {
        requireKnown(backend);
        health.put(backend, transition.to());
        if (transition.to() == HealthState.UP) {
            emit(new RoutingEvent.BackendUp(clock.instant(), backend, transition.reason()));
            recompute(backend + " up", FailoverCause.BACKEND_DOWN);
        } else {
            emit(new RoutingEvent.BackendDown(clock.instant(), backend, transition.reason()));
            recompute(backend + " down: " + transition.reason(), FailoverCause.BACKEND_DOWN);
        }
    }

    @Override
    public void onChecked(String backend) {
        reevaluate();
    }

    /** Samples the gate and the hold timer; failback happens here when due. */
    public synchronized void reevaluate() {
        recompute("re-evaluation", FailoverCause.BACKEND_DOWN);
    }

    // ---- admin actions ---------------------------------------------------------------------

    /**
     * Forces {@code to} to serve (failover mode). It sticks until {@code to} stops being routable or
     * {@link #failback()} is called.
     *
     * @throws IllegalArgumentException if no backend has that name
     * @throws IllegalStateException    in load-balance mode, or if {@code to} is not routable
     */
    public synchronized void failover(String to) {
        requireKnown(to);
        requireFailoverMode("failover");
        if (!routable(to)) {
            throw new IllegalStateException("cannot fail over to '" + to + "': it is " + describeState(to));
        }
        forced = to;
        holdSince = null;
        if (!to.equals(active)) {
            emit(new RoutingEvent.Failover(clock.instant(), active, to, FailoverCause.ADMIN,
                    "operator forced " + to));
            active = to;
        }
        recompute("failover to " + to, FailoverCause.ADMIN);
    }

    /**
     * Returns traffic to the primary now (failover mode), clearing any forced choice. The gate is not
     * consulted: this is the operator's decision.
     *
     * @throws IllegalStateException in load-balance mode, or if the primary is not routable
     */
    public synchronized void failback() {
        requireFailoverMode("failback");
        String primary = order.get(0);
        if (!routable(primary)) {
            throw new IllegalStateException("cannot fail back to '" + primary + "': it is " + describeState(primary));
        }
        forced = null;
        holdSince = null;
        if (!primary.equals(active)) {
            emit(new RoutingEvent.Failback(clock.instant(), active, primary, FailoverCause.ADMIN,
                    "operator requested failback"));
            active = primary;
        }
        recompute("failback to " + primary, FailoverCause.ADMIN);
    }

    /** Takes {@code backend} out of new routing; requests in flight on it finish. Idempotent. */
    public synchronized void drain(String backend) {
        requireKnown(backend);
        if (drained.add(backend)) {
            emit(new RoutingEvent.Drained(clock.instant(), backend, "operator drained " + backend));
            recompute(backend + " drained", FailoverCause.DRAINED);
        }
    }

    /** Brings a drained backend back into routing (subject to its health). Idempotent. */
    public synchronized void enable(String backend) {
        requireKnown(backend);
        if (drained.remove(backend)) {
            emit(new RoutingEvent.Enabled(clock.instant(), backend, "operator enabled " + backend));
            recompute(backend + " enabled", FailoverCause.BACKEND_DOWN);
        }
    }

    // ---- reading ---------------------------------------------------------------------------

    public RoutingMode mode() {
        return policy.mode();
    }

    public List<RoutingEvent> events() {
        return events.recent();
    }

    public synchronized RoutingSnapshot snapshot() {
        View v = view;
        List<String> serving;
        if (!v.routable().isEmpty()) {
            serving = policy.mode() == RoutingMode.FAILOVER ? listOf(v.active()) : v.routable();
        } else {
            serving = listOf(v.lastResort());
        }
        List<BackendRouting> backends = new ArrayList<>();
        for (Backend spec : specs.values()) {
            String name = spec.name();
            backends.add(new BackendRouting(spec, health.get(name), drained.contains(name),
                    v.routable().contains(name), serving.contains(name)));
        }
        return new RoutingSnapshot(policy.mode(), serving, v.routable().isEmpty() && v.lastResort() != null,
                forced, List.copyOf(backends), events.recent());
    }

    // ---- the state machine -----------------------------------------------------------------

    /**
     * Recomputes who serves after any change. {@code trigger} becomes the reason of the events it
     * emits; {@code cause} is used if the active backend has to be replaced.
     */
    private void recompute(String trigger, FailoverCause cause) {
        Instant now = clock.instant();
        View previous = view;
        List<String> routable = order.stream().filter(this::routable).toList();
        Instant failbackDue = null;

        if (policy.mode() == RoutingMode.FAILOVER) {
            String primary = order.get(0);
            FailoverCause why = cause;
            if (forced != null && !routable.contains(forced)) {
                forced = null;
                why = FailoverCause.FORCED_TARGET_DOWN;
            }
            String next = forced != null ? forced : active;
            if (next == null || !routable.contains(next)) {
                next = routable.isEmpty() ? null : routable.get(0);
            }
            if (!everActive && next != null && !next.equals(primary) && awaitingFirstCheck(primary)) {
                // At start every backend is checked at once; a replica that answers a few
                // milliseconds sooner must not take the traffic (and a failback hold) from a
                // healthy primary. Wait for the primary's first verdict, one check at most.
                next = null;
            }
            updateHold(now, next, primary, routable);
            boolean failingBack = false;
            if (holdSince != null) {
                Instant due = holdSince.plus(policy.failback().hold());
                if (now.isBefore(due)) {
                    failbackDue = due;
                } else {
                    next = primary;
                    failingBack = true;
                    holdSince = null;
                }
            }
            if (!Objects.equals(next, active)) {
                if (next == null) {
                    lastGood = active;
                } else if (active == null) {
                    emit(new RoutingEvent.Activated(now, next, trigger));
                } else if (failingBack) {
                    emit(new RoutingEvent.Failback(now, active, next, FailoverCause.PRIMARY_RECOVERED,
                            primary + " up and gate open for " + policy.failback().hold().toMillis() + " ms"));
                } else {
                    emit(new RoutingEvent.Failover(now, active, next, why, trigger));
                }
                active = next;
                everActive |= next != null;
            }
        } else if (routable.isEmpty() && !previous.routable().isEmpty()) {
            lastGood = previous.routable().get(0);
        }

        String resort = null;
        if (routable.isEmpty()) {
            if (policy.lastResort() && lastGood != null && !drained.contains(lastGood)) {
                resort = lastGood;
            }
            if (!degraded) {
                degraded = true;
                emit(resort != null
                        ? new RoutingEvent.LastResort(now, resort, "no backend routable after " + trigger
                                + "; sending traffic to the last one known good")
                        : new RoutingEvent.NoneRoutable(now, "no backend routable after " + trigger));
            }
        } else {
            degraded = false;
        }
        boolean awaitingPrimary = policy.mode() == RoutingMode.FAILOVER && !everActive && awaitingFirstCheck(order.get(0));
        view = new View(routable, active, resort, failbackDue, awaitingPrimary);
    }

    /** Starts, keeps or restarts the failback hold: it runs while the primary is routable and gate-open. */
    private void updateHold(Instant now, String next, String primary, List<String> routable) {
        boolean waiting = policy.failback().mode() == FailbackPolicy.Mode.AUTO
                && forced == null
                && next != null
                && !next.equals(primary)
                && routable.contains(primary);
        if (waiting && gateAllows(primary)) {
            if (holdSince == null) {
                holdSince = now;
            }
        } else {
            holdSince = null;
        }
    }

    private boolean awaitingFirstCheck(String backend) {
        return health.get(backend) == HealthState.UNKNOWN && !drained.contains(backend);
    }

    private boolean gateAllows(String backend) {
        try {
            return gate.allows(backend);
        } catch (RuntimeException e) {
            log.warn("failback gate failed for '{}'; treating it as closed", backend, e);
            return false;
        }
    }

    private boolean routable(String backend) {
        return health.get(backend) == HealthState.UP && !drained.contains(backend);
    }

    private String describeState(String backend) {
        return drained.contains(backend) ? "draining" : health.get(backend).name().toLowerCase(Locale.ROOT);
    }

    private void emit(RoutingEvent event) {
        events.add(event);
        log.info("{}", event.describe());
        for (RoutingListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException e) {
                log.error("routing listener failed on {}", event.type(), e);
            }
        }
    }

    private void requireKnown(String backend) {
        if (backend == null || !specs.containsKey(backend)) {
            throw new IllegalArgumentException("unknown backend '" + backend + "'; known: " + specs.keySet());
        }
    }

    private void requireFailoverMode(String action) {
        if (policy.mode() != RoutingMode.FAILOVER) {
            throw new IllegalStateException(action + " applies only in failover mode; mode is " + policy.mode());
        }
    }

    private static List<String> listOf(String nullable) {
        return nullable == null ? List.of() : List.of(nullable);
    }
}
