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

    private final CheckPolicy policy;
    private final Probe probe;
    private final CheckScheduler scheduler;
    private final Clock clock;
    private final DoubleSupplier random;
    private final HealthListener listener;
    private final Map<String, Slot> slots = new LinkedHashMap<>();
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
        for (Backend b : backends) {
            if (slots.put(b.name(), new Slot(b, new BackendHealth(policy))) != null) {
                throw new IllegalArgumentException("duplicate backend name '" + b.name() + "'");
            }
        }
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
        Slot slot = slot(backend);
        if (!kind.triggersCheck()) {
            return;
        }
        Optional<Transition> change;
        boolean checkNow;
        synchronized (slot) {
            change = slot.health.recordProxyFailure(kind);
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
        Slot slot = slot(backend);
        synchronized (slot) {
            slot.health.recordProxySuccess();
        }
    }

    /** The Grafana build {@code backend} reported last, if any answer named one. */
    public Optional<GrafanaBuild> build(String backend) {
        return Optional.ofNullable(builds.get(backend));
    }

    /** The current health of {@code backend}, for the status page. */
    public HealthReport report(String backend) {
        Slot slot = slot(backend);
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
                if (slot.pending != null) {
                    slot.pending.cancel();
                    slot.pending = null;
                }
            }
        }
    }

    private void runCheck(Slot slot) {
        synchronized (slot) {
            if (closed || slot.inFlight) {
                return;
            }
            slot.inFlight = true;
            slot.lastStart = clock.instant();
            if (slot.pending != null) {
                slot.pending.cancel();
                slot.pending = null;
            }
        }
        try {
            probe.check(slot.spec.resolve(policy.path()), policy.timeout())
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
        final Backend spec;
        final BackendHealth health;
        CheckScheduler.Cancellable pending;
        boolean inFlight;
        boolean misconfigured;
        Instant lastStart;

        Slot(Backend spec, BackendHealth health) {
            this.spec = spec;
            this.health = health;
        }
    }
}
