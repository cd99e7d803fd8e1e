package io.grafanaha.health.routing;

import io.grafanaha.health.Backend;
import io.grafanaha.health.RoutingMode;
import io.grafanaha.health.SerialDelivery;
import io.grafanaha.health.check.HealthListener;
import io.grafanaha.health.check.HealthState;
import io.grafanaha.health.check.Transition;
import java.time.Clock;
import java.time.Instant;
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
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may serve: the health and drain state of every backend, the last resort, and the events. A backend
 * is <em>routable</em> when its checks say {@link HealthState#UP} and it is not drained. Who among the
 * routable ones serves is the {@link RoutingStrategy}'s answer: {@link FailoverWithHold} (one serves,
 * failback after a gate-open hold, operator overrides) or {@link RoundRobinWithAffinity}. Time comes from
 * the injected clock only.
 *
 * <p><b>Nothing routable.</b> With {@code lastResort} the last backend known good keeps getting traffic;
 * otherwise no backend is picked ({@link LastResort}). Both are events.
 *
 * <p>Threading: health checks, admin calls and (when a failback falls due) the proxy's event loops change
 * state, one at a time under a private lock; the lock is held only while deciding, never while anything
 * outside this package runs but the {@link FailbackGate}. Each change publishes an immutable {@link View}
 * through a volatile field, so {@link #pick}, {@link #ready} and {@link #snapshot} take no lock. Events are
 * recorded under the lock and handed to listeners after it is released, in order ({@link SerialDelivery}).
 *
 * <p>About 420 lines since {@link #reconfigure} (a configuration reload) joined, and {@link #routable()} (the proxy's
 * lock-free read of who may serve): a reload must change the backends, their health and drains, the strategy and the
 * last resort under the one lock the other inputs take. The next cut would move the admin actions (failover,
 * failback, drain, enable) into a class of their own.
 */
public final class RoutingTable implements HealthListener {

    private static final Logger log = LoggerFactory.getLogger(RoutingTable.class);

    private final Clock clock;
    private final FailbackGate gate;
    private final EventLog events;
    private final List<RoutingListener> listeners = new CopyOnWriteArrayList<>();
    private final SerialDelivery<RoutingEvent> delivery = new SerialDelivery<>(this::deliver);
    private final Object lock = new Object();

    // Guarded by lock, as are the strategy's and the last resort's own fields. A reload replaces the
    // strategy and the backends; readers without the lock see them through the view and the volatile specs.
    private RoutingStrategy strategy;
    private RoutingPolicy policy;
    private volatile Map<String, Backend> specs;
    private final Map<String, HealthState> health = new HashMap<>();
    private final Set<String> drained = new HashSet<>();
    private final LastResort lastResort;

    private volatile View view;

    /**
     * Everything {@link #pick} and {@link #snapshot} read, immutable.
     *
     * @param lastResort the backend that serves while nothing is routable, or null
     * @param backends   every backend as the status shows it, in configuration order
     */
    /** {@code routable}: the backends of {@code backends} that are routable, in their order, built once per change. */
    private record View(RoutingStrategy strategy, Selection selection, String lastResort, List<BackendRouting> backends,
                        List<Backend> routable) {

        /** Who gets new traffic: the strategy's choice, or the last resort when nothing is routable. */
        List<String> active() {
            if (!selection.routable().isEmpty()) {
                return selection.serving();
            }
            return lastResort == null ? List.of() : List.of(lastResort);
        }
    }

    public RoutingTable(List<Backend> backends, RoutingPolicy policy, FailbackGate gate, Clock clock,
                        int eventCapacity) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(gate, "gate");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.gate = gate;
        this.policy = policy;
        this.events = new EventLog(eventCapacity);
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("at least one backend is needed");
        }
        this.specs = byName(backends);
        specs.keySet().forEach(name -> health.put(name, HealthState.UNKNOWN));
        this.strategy = RoutingStrategy.of(policy, backends, gate);
        this.lastResort = new LastResort(policy.lastResort());
        this.view = publish(Selection.NONE, null);
    }

    public RoutingTable(List<Backend> backends, RoutingPolicy policy, FailbackGate gate, Clock clock) {
        this(backends, policy, gate, clock, EventLog.DEFAULT_CAPACITY);
    }

    /** {@code listener} hears every event from now on, in order, never under the table's lock. */
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
     * A backend for one attempt, or empty when none may serve (answer 503). Lock-free unless a failback
     * has fallen due, which this call then carries out.
     *
     * @param exclude  backends already tried for this request
     * @param affinity the sticky-cookie value, or null; honoured in load-balance mode when it names a
     *                 routable backend not excluded
     */
    public Optional<Pick> pick(Set<String> exclude, String affinity) {
        View v = view;
        Instant due = v.selection().failbackDue();
        if (due != null && !clock.instant().isBefore(due)) {
            reevaluate();
            v = view;
        }
        String chosen = v.strategy().select(v.selection(), exclude, affinity);
        if (chosen != null) {
            return Optional.of(new Pick(chosen, affinityChanged(v.strategy(), chosen, affinity), false));
        }
        String resort = v.lastResort();
        if (resort != null && !exclude.contains(resort)) {
            return Optional.of(new Pick(resort, affinityChanged(v.strategy(), resort, affinity), true));
        }
        return Optional.empty();
    }

    /** Whether {@code backend} may get new traffic now (for the readiness probe and metrics). */
    public boolean isRoutable(String backend) {
        requireKnown(backend);
        return view.selection().routable().contains(backend);
    }

    /** Whether a first attempt would get a backend (the {@code /readyz} answer); no side effect. */
    public boolean ready() {
        return !view.active().isEmpty();
    }

    // ---- inputs from health ----------------------------------------------------------------

    @Override
    public void onHealthChange(String backend, Transition transition) {
        change(() -> {
            if (!specs.containsKey(backend)) {
                // A check of a backend a reload just removed finished late: nothing to route any more.
                log.debug("ignoring {} of removed backend {}", transition.to(), backend);
                return;
            }
            health.put(backend, transition.to());
            if (transition.to() == HealthState.UP) {
                emit(new RoutingEvent.BackendUp(clock.instant(), backend, transition.reason()));
                recompute(backend + " up", FailoverCause.BACKEND_DOWN);
            } else {
                emit(new RoutingEvent.BackendDown(clock.instant(), backend, transition.reason()));
                recompute(backend + " down: " + transition.reason(), FailoverCause.BACKEND_DOWN);
            }
        });
    }

    @Override
    public void onChecked(String backend) {
        reevaluate();
    }

    /** Samples the gate and the hold timer; failback happens here when due. */
    public void reevaluate() {
        change(() -> recompute("re-evaluation", FailoverCause.BACKEND_DOWN));
    }

    // ---- admin actions ---------------------------------------------------------------------

    /**
     * Forces {@code to} to serve (failover mode). It sticks until {@code to} stops being routable or
     * {@link #failback()} is called.
     *
     * @throws IllegalArgumentException if no backend has that name
     * @throws IllegalStateException    in load-balance mode, or if {@code to} is not routable
     */
    public void failover(String to) {
        change(() -> {
            requireKnown(to);
            FailoverWithHold failover = requireFailoverMode("failover");
            if (!routable(to)) {
                throw new IllegalStateException("cannot fail over to '" + to + "': it is " + describeState(to));
            }
            failover.force(to, clock.instant(), this::emit);
            recompute("failover to " + to, FailoverCause.ADMIN);
        });
    }

    /**
     * Returns traffic to the primary now (failover mode), clearing any forced choice. The gate is not
     * consulted: this is the operator's decision.
     *
     * @throws IllegalStateException in load-balance mode, or if the primary is not routable
     */
    public void failback() {
        change(() -> {
            FailoverWithHold failover = requireFailoverMode("failback");
            String primary = failover.primary();
            if (!routable(primary)) {
                throw new IllegalStateException("cannot fail back to '" + primary + "': it is " + describeState(primary));
            }
            failover.failBack(clock.instant(), this::emit);
            recompute("failback to " + primary, FailoverCause.ADMIN);
        });
    }

    /** Takes {@code backend} out of new routing; requests in flight on it finish. Idempotent. */
    public void drain(String backend) {
        change(() -> {
            requireKnown(backend);
            if (drained.add(backend)) {
                emit(new RoutingEvent.Drained(clock.instant(), backend, "operator drained " + backend));
                recompute(backend + " drained", FailoverCause.DRAINED);
            }
        });
    }

    /** Brings a drained backend back into routing (subject to its health). Idempotent. */
    public void enable(String backend) {
        change(() -> {
            requireKnown(backend);
            if (drained.remove(backend)) {
                emit(new RoutingEvent.Enabled(clock.instant(), backend, "operator enabled " + backend));
                recompute(backend + " enabled", FailoverCause.BACKEND_DOWN);
            }
        });
    }

    // ---- configuration reload ------------------------------------------------------------

    /**
     * Applies a reloaded configuration: backends added (unknown until their first check), removed (no new
     * traffic; an {@link RoutingEvent.Removed} event lets the gateway close their tunnels), changed (url or
     * role), and the new policy. Health, drains and who serves carry over for every backend that stays, so
     * a reload that does not touch the serving backend moves no traffic.
     *
     * @throws IllegalArgumentException for an empty list or a duplicate name; nothing changes then
     */
    public void reconfigure(List<Backend> backends, RoutingPolicy newPolicy, String reason) {
        Map<String, Backend> next = byName(backends);
        Objects.requireNonNull(newPolicy, "policy");
        change(() -> {
            Instant now = clock.instant();
            Map<String, Backend> previous = specs;
            boolean changed = !newPolicy.equals(policy);
            for (String name : previous.keySet()) {
                if (!next.containsKey(name)) {
                    health.remove(name);
                    drained.remove(name);
                    emit(new RoutingEvent.Removed(now, name, reason));
                } else {
                    changed |= !previous.get(name).equals(next.get(name));
                }
            }
            for (String name : next.keySet()) {
                if (!previous.containsKey(name)) {
                    health.put(name, HealthState.UNKNOWN);
                    emit(new RoutingEvent.Added(now, name, reason));
                }
            }
            if (changed) {
                emit(new RoutingEvent.Reconfigured(now, reason));
            }
            specs = next;
            policy = newPolicy;
            strategy = RoutingStrategy.reconfigured(strategy, newPolicy, backends, gate);
            lastResort.reconfigure(newPolicy.lastResort(), next.keySet());
            recompute(reason, FailoverCause.DRAINED);
        });
    }

    private static Map<String, Backend> byName(List<Backend> backends) {
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("at least one backend is needed");
        }
        Map<String, Backend> out = new LinkedHashMap<>();
        for (Backend b : backends) {
            if (out.put(b.name(), b) != null) {
                throw new IllegalArgumentException("duplicate backend name '" + b.name() + "'");
            }
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    // ---- reading ---------------------------------------------------------------------------

    public RoutingMode mode() {
        return view.strategy().mode();
    }

    /**
     * The backends that are up and not drained, as of the last change: what {@code snapshot().backends()} filtered
     * on {@link BackendRouting#routable} gives, without copying the event log (the proxy asks on every request).
     */
    public List<Backend> routable() {
        return view.routable();
    }

    public List<RoutingEvent> events() {
        return events.recent();
    }

    /** A consistent picture as of the last change; the events may already include a later one. */
    public RoutingSnapshot snapshot() {
        View v = view;
        return new RoutingSnapshot(v.strategy().mode(), v.active(),
                v.selection().routable().isEmpty() && v.lastResort() != null, v.selection().forced(),
                v.selection().failbackDue(), v.backends(), events.recent());
    }

    // ---- changing state --------------------------------------------------------------------

    /** Runs {@code update} under the lock, then delivers the events it emitted with the lock released. */
    private void change(Runnable update) {
        try {
            synchronized (lock) {
                update.run();
            }
        } finally {
            delivery.deliver();
        }
    }

    /**
     * After any change: asks the strategy who serves, then the last resort, and publishes a new view.
     * {@code trigger} becomes the reason of the events emitted; {@code cause} is used if the serving
     * backend has to be replaced.
     */
    private void recompute(String trigger, FailoverCause cause) {
        Instant now = clock.instant();
        View previous = view;
        List<String> routable = strategy.order().stream().filter(this::routable).toList();
        Set<String> unchecked = specs.keySet().stream()
                .filter(b -> health.get(b) == HealthState.UNKNOWN && !drained.contains(b))
                .collect(Collectors.toUnmodifiableSet());
        Selection selection = strategy.decide(new Candidates(now, routable, unchecked), trigger, cause, this::emit);
        String resort = lastResort.decide(previous.selection(), selection, drained, now, trigger, this::emit);
        view = publish(selection, resort);
    }

    private View publish(Selection selection, String resort) {
        View partial = new View(strategy, selection, resort, List.of(), List.of());
        List<String> active = partial.active();
        List<BackendRouting> backends = specs.values().stream()
                .map(spec -> new BackendRouting(spec, health.get(spec.name()), drained.contains(spec.name()),
                        selection.routable().contains(spec.name()), active.contains(spec.name())))
                .toList();
        return new View(strategy, selection, resort, backends,
                backends.stream().filter(BackendRouting::routable).map(BackendRouting::backend).toList());
    }

    /** Under the lock: recorded now, so the status shows it at once; told to listeners after the lock. */
    private void emit(RoutingEvent event) {
        events.add(event);
        delivery.queue(event);
    }

    /** Without the lock, in order. */
    private void deliver(RoutingEvent event) {
        log.info("{}", event.describe());
        for (RoutingListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException e) {
                log.error("routing listener failed on {}", event.type(), e);
            }
        }
    }

    private static boolean affinityChanged(RoutingStrategy strategy, String chosen, String affinity) {
        return strategy.usesAffinity() && !chosen.equals(affinity);
    }

    private boolean routable(String backend) {
        return health.get(backend) == HealthState.UP && !drained.contains(backend);
    }

    private String describeState(String backend) {
        return drained.contains(backend) ? "draining" : health.get(backend).name().toLowerCase(Locale.ROOT);
    }

    private void requireKnown(String backend) {
        if (backend == null || !specs.containsKey(backend)) {
            throw new IllegalArgumentException("unknown backend '" + backend + "'; known: " + specs.keySet());
        }
    }

    private FailoverWithHold requireFailoverMode(String action) {
        if (strategy instanceof FailoverWithHold failover) {
            return failover;
        }
        throw new IllegalStateException(action + " applies only in failover mode; mode is " + strategy.mode());
    }
}
