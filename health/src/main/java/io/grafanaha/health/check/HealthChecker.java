package io.grafanaha.health.check;

import io.grafanaha.health.Backend;
import io.grafanaha.health.SerialDelivery;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the active checks of every backend and turns proxy outcomes into health. Each backend has at
 * most one check in flight; the next one is scheduled when the previous finishes, after the interval
 * its state calls for ({@link BackendHealth#nextInterval()}), spread by the policy's jitter. A
 * connection-level failure seen by the proxy triggers an immediate check (unless one is in flight or
 * began less than half a fast interval ago, so a burst of failures costs one probe, not a flood).
 *
 * <p>Thread-safe. State changes reach the listener in order, after the backend's lock is released
 * ({@link SerialDelivery}), so the listener may call back into the checker, from any thread.
 */
public final class HealthChecker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    private volatile CheckPolicy policy;
    private final Probe probe;
    private final CheckScheduler scheduler;
    private final Clock clock;
    private final DoubleSupplier random;
    private final HealthListener listener;
    /** Replaced whole by a reload (copy on write), so lookups on event loops take no lock. */
    private volatile Map<String, Slot> slots;
    private final SerialDelivery<Change> changes = new SerialDelivery<>(this::announce);
    /** Each backend's last reported build, read by the proxy on every request while builds differ: no lock there. */
    private final Map<String, GrafanaBuild> builds = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean closed;
    private boolean started;

    /**
     * @param random uniform in [0, 1), for jitter ({@code ThreadLocalRandom.current()::nextDouble} in
     *               production; a constant in tests)
     */
    public HealthChecker(List<Backend> backends, CheckPolicy policy, Probe probe, CheckScheduler scheduler,
                         Clock clock, DoubleSupplier random, HealthListener listener) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.probe = Objects.requireNonNull(probe, "probe");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.listener = Objects.requireNonNull(listener, "listener");
        Map<String, Slot> initial = new LinkedHashMap<>();
        for (Backend b : backends) {
            if (initial.put(b.name(), new Slot(b, new BackendHealth(policy))) != null) {
                throw new IllegalArgumentException("duplicate backend name '" + b.name() + "'");
            }
        }
        this.slots = java.util.Collections.unmodifiableMap(initial);
    }

    /**
     * Applies a reloaded configuration. A backend that stays keeps its state and counters under the new policy;
     * one whose url changed is checked at once (its state stays until that check speaks, so a reload does not
     * take a serving backend away); a new one is checked at once; a removed one is no longer checked, and a
     * check of it still in flight changes nothing.
     */
    public void reconfigure(List<Backend> backends, CheckPolicy newPolicy) {
        Objects.requireNonNull(newPolicy, "policy");
        List<Slot> checkNow = new java.util.ArrayList<>();
        synchronized (this) {
            Map<String, Slot> previous = slots;
            Map<String, Slot> next = new LinkedHashMap<>();
            for (Backend b : backends) {
                Slot old = previous.get(b.name());
                Slot slot = old != null ? old : new Slot(b, new BackendHealth(newPolicy));
                if (next.put(b.name(), slot) != null) {
                    throw new IllegalArgumentException("duplicate backend name '" + b.name() + "'");
                }
                synchronized (slot) {
                    slot.health.policy(newPolicy);
                    if (old == null || !old.spec.url().equals(b.url())) {
                        checkNow.add(slot);
                    }
                    slot.spec = b;
                }
            }
            for (Slot old : previous.values()) {
                if (!next.containsKey(old.spec.name())) {
                    synchronized (old) {
                        old.retired = true;
                        cancelPending(old);
                    }
                }
            }
            policy = newPolicy;
            slots = java.util.Collections.unmodifiableMap(next);
            if (!started) {
                return;
            }
        }
        checkNow.forEach(this::runCheck);
    }

    /** Schedules every backend's first check within the first jitter share of the interval. */
    public synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        for (Slot slot : slots.values()) {
            Duration spread = Duration.ofNanos((long) (policy.interval().toNanos() * policy.jitter() * random.getAsDouble()));
            synchronized (slot) {
                slot.pending = scheduler.schedule(() -> runCheck(slot), spread);
            }
        }
    }

    /**
     * The proxy saw {@code kind} talking to {@code backend}. See {@link FailureKind} for which kinds
     * trigger an immediate check and which count towards passive ejection.
     */
    public void onProxyFailure(String backend, FailureKind kind) {
        proxyFailure(slot(backend), kind);
    }

    /** As {@link #onProxyFailure}, for an exchange that may have outlived its backend's removal by a reload. */
    public void onProxyFailureIfKnown(String backend, FailureKind kind) {
        Slot slot = slots.get(backend);
        if (slot != null) {
            proxyFailure(slot, kind);
        }
    }

    private void proxyFailure(Slot slot, FailureKind kind) {
        String backend = slot.spec.name();
        if (!kind.triggersCheck()) {
            return;
        }
        Optional<Transition> change;
        boolean checkNow;
        synchronized (slot) {
            change = slot.health.recordProxyFailure(kind);
            slot.proxyFailed = true;
            Instant now = clock.instant();
            checkNow = !slot.inFlight && !closed && (slot.lastStart == null
                    || !now.isBefore(slot.lastStart.plus(policy.fastInterval().dividedBy(2))));
            change.ifPresent(t -> changes.queue(new Change(slot.spec.name(), t)));
        }
        changes.deliver();
        if (checkNow) {
            log.debug("backend '{}': proxy saw {}, checking now", backend, kind);
            runCheck(slot);
        }
    }

    /** A response came back from {@code backend} through the proxy. */
    public void onProxySuccess(String backend) {
        proxySuccess(slot(backend));
    }

    /** As {@link #onProxySuccess}, for an exchange that may have outlived its backend's removal by a reload. */
    public void onProxySuccessIfKnown(String backend) {
        Slot slot = slots.get(backend);
        if (slot != null) {
            proxySuccess(slot);
        }
    }

    /**
     * Ends the proxy's failure streak, if there is one. Every proxied answer comes here, from every event loop at once:
     * without a streak to end it reads one flag and takes no lock (a lock on the slot made the loops trade its cache
     * line on every request). A success that reads the flag just before a failure sets it counts as the earlier of the
     * two, which it may well have been.
     */
    private static void proxySuccess(Slot slot) {
        if (!slot.proxyFailed) {
            return;
        }
        synchronized (slot) {
            slot.health.recordProxySuccess();
            slot.proxyFailed = false;
        }
    }

    /** The Grafana build {@code backend} reported last, if any answer named one. */
    public Optional<GrafanaBuild> build(String backend) {
        return Optional.ofNullable(builds.get(backend));
    }

    /** The current health of {@code backend}, for the status page. */
    public HealthReport report(String backend) {
        Slot slot = slots.get(backend);
        if (slot == null) {
            // Added by a reload to the routing table a moment before it reached the checker.
            return new BackendHealth(policy).report();
        }
        synchronized (slot) {
            return slot.health.report();
        }
    }

    /** Stops scheduling; a check in flight finishes but schedules nothing. */
    @Override
    public void close() {
        closed = true;
        for (Slot slot : slots.values()) {
            synchronized (slot) {
                cancelPending(slot);
            }
        }
    }

    private static void cancelPending(Slot slot) {
        if (slot.pending != null) {
            slot.pending.cancel();
            slot.pending = null;
        }
    }

    private void runCheck(Slot slot) {
        Backend spec;
        synchronized (slot) {
            if (closed || slot.inFlight || slot.retired) {
                return;
            }
            slot.inFlight = true;
            slot.lastStart = clock.instant();
            cancelPending(slot);
            spec = slot.spec;
        }
        CheckPolicy current = policy;
        try {
            probe.check(spec.resolve(current.path()), current.timeout())
                    .whenComplete((result, error) -> finish(slot, result != null ? result
                            : CheckResult.fail(0, Duration.ZERO, "probe error: " + error)));
        } catch (RuntimeException e) {
            finish(slot, CheckResult.fail(0, Duration.ZERO, "probe error: " + e));
        }
    }

    private void finish(Slot slot, CheckResult result) {
        Optional<Transition> change;
        boolean logMisconfiguration;
        if (result.build() != null) {
            GrafanaBuild before = builds.put(slot.spec.name(), result.build());
            if (before != null && !before.equals(result.build())) {
                log.info("backend {} now runs Grafana {} (was {})", slot.spec.name(), result.build(), before);
            }
        }
        synchronized (slot) {
            slot.inFlight = false;
            change = slot.health.record(result, clock.instant());
            // Log a misconfiguration once per streak, loudly: it will not heal by itself.
            logMisconfiguration = result.verdict() == CheckResult.Verdict.MISCONFIGURED && !slot.misconfigured;
            slot.misconfigured = result.verdict() == CheckResult.Verdict.MISCONFIGURED;
            if (slot.retired) {
                return; // removed by a reload while this check was in flight
            }
            if (!closed) {
                slot.pending = scheduler.schedule(() -> runCheck(slot), jittered(slot.health.nextInterval()));
            }
            if (logMisconfiguration) {
                log.warn("backend '{}': health check {} answered {}; check health.path and the backend's auth",
                        slot.spec.name(), slot.spec.resolve(policy.path()), result.detail());
            }
            // Queued under the slot's lock so a backend's changes reach the listener in order.
            change.ifPresent(t -> changes.queue(new Change(slot.spec.name(), t)));
        }
        changes.deliver();
        try {
            listener.onChecked(slot.spec.name());
        } catch (RuntimeException e) {
            log.error("health listener failed after checking '{}'", slot.spec.name(), e);
        }
    }

    /** Without any slot's lock, in order. */
    private void announce(Change change) {
        Transition t = change.transition();
        try {
            listener.onHealthChange(change.backend(), t);
        } catch (RuntimeException e) {
            log.error("health listener failed on '{}' {} -> {}", change.backend(), t.from(), t.to(), e);
        }
    }

    private record Change(String backend, Transition transition) {}

    private Duration jittered(Duration base) {
        double factor = 1 + policy.jitter() * (2 * random.getAsDouble() - 1);
        return Duration.ofNanos(Math.max(1, (long) (base.toNanos() * factor)));
    }

    private Slot slot(String backend) {
        Slot slot = slots.get(backend);
        if (slot == null) {
            throw new IllegalArgumentException("unknown backend '" + backend + "'");
        }
        return slot;
    }

    private static final class Slot {
        Backend spec;
        boolean retired;
        final BackendHealth health;
        CheckScheduler.Cancellable pending;
        boolean inFlight;
        boolean misconfigured;
        Instant lastStart;
        /** A proxy failure was recorded since the last proxy success: only then does a success need the lock. */
        volatile boolean proxyFailed;

        Slot(Backend spec, BackendHealth health) {
            this.spec = spec;
            this.health = health;
        }
    }
}
