package io.grafanaha.health;

import io.grafanaha.health.check.CheckPolicy;
import io.grafanaha.health.check.CheckScheduler;
import io.grafanaha.health.check.FailureKind;
import io.grafanaha.health.check.HealthChecker;
import io.grafanaha.health.check.HttpProbe;
import io.grafanaha.health.check.Probe;
import io.grafanaha.health.routing.BackendRouting;
import io.grafanaha.health.routing.EventLog;
import io.grafanaha.health.routing.FailbackGate;
import io.grafanaha.health.routing.Pick;
import io.grafanaha.health.routing.RoutingListener;
import io.grafanaha.health.routing.RoutingPolicy;
import io.grafanaha.health.routing.RoutingSnapshot;
import io.grafanaha.health.routing.RoutingTable;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.stream.Collectors;

/**
 * The health module's front: active checks feeding the routing table, wired together. The gateway
 * builds one from its configuration, asks it which backend serves each attempt, reports what the
 * proxy saw, forwards admin actions, and reads the status snapshot. Routing never knows how health
 * is measured; it only hears state changes (the Armeria decorator idea).
 */
public final class HealthService implements Router, OutcomeListener, Builds, AutoCloseable {

    private final RoutingTable table;
    private final HealthChecker checker;
    /** The proxy's lookup from a pick to its backend; replaced whole by a reload. */
    private volatile Map<String, Backend> byName;

    /** Everything injected: the constructor tests use. */
    public HealthService(List<Backend> backends, CheckPolicy check, RoutingPolicy routing, FailbackGate gate,
                         Probe probe, CheckScheduler scheduler, Clock clock, DoubleSupplier random,
                         int eventCapacity) {
        this.byName = backends.stream().collect(Collectors.toUnmodifiableMap(Backend::name, b -> b));
        this.table = new RoutingTable(backends, routing, gate, clock, eventCapacity);
        this.checker = new HealthChecker(backends, check, probe, scheduler, clock, random, table);
    }

    /**
     * The production wiring: checks over {@link java.net.http.HttpClient}, scheduled on
     * {@code executor} (which the caller owns and shuts down), system UTC clock, last 200 events.
     */
    public static HealthService create(List<Backend> backends, CheckPolicy check, RoutingPolicy routing,
                                       FailbackGate gate, ScheduledExecutorService executor) {
        return create(backends, check, routing, gate, executor, Clock.systemUTC());
    }

    /** As above, on the caller's {@code clock} (the gateway's one clock). */
    public static HealthService create(List<Backend> backends, CheckPolicy check, RoutingPolicy routing,
                                       FailbackGate gate, ScheduledExecutorService executor, Clock clock) {
        return create(backends, check, routing, gate, executor, clock, HttpProbe.create(check.timeout()));
    }

    /** As above, checking with {@code probe} (an {@link HttpProbe} whose client trusts the backends' own CAs). */
    public static HealthService create(List<Backend> backends, CheckPolicy check, RoutingPolicy routing,
                                       FailbackGate gate, ScheduledExecutorService executor, Clock clock, Probe probe) {
        return new HealthService(backends, check, routing, gate, probe,
                CheckScheduler.of(executor), clock, () -> ThreadLocalRandom.current().nextDouble(),
                EventLog.DEFAULT_CAPACITY);
    }

    /** Starts the checks. Until a backend's first check passes, it gets no traffic. */
    public void start() {
        checker.start();
    }

    /**
     * Applies a reloaded configuration's backends, checks and routing policy; see
     * {@link RoutingTable#reconfigure} and {@link HealthChecker#reconfigure} for what carries over.
     * {@code reason} becomes the reason of the events it causes.
     */
    public synchronized void reconfigure(List<Backend> backends, CheckPolicy check, RoutingPolicy routing, String reason) {
        Map<String, Backend> next = backends.stream().collect(Collectors.toUnmodifiableMap(Backend::name, b -> b));
        // Both old and new names resolve while the table and the checker change, so a pick made in between finds its backend.
        Map<String, Backend> both = new java.util.HashMap<>(byName);
        both.putAll(next);
        byName = Map.copyOf(both);
        table.reconfigure(backends, routing, reason);
        checker.reconfigure(backends, check);
        byName = next;
    }

    // (b) per request

    /** See {@link RoutingTable#pick(Set, String)}. */
    public Optional<Pick> pick(Set<String> exclude, String affinity) {
        return table.pick(exclude, affinity);
    }

    /** The proxy's question, answered by the routing table; affinity and retries map onto its pick. */
    @Override
    public Optional<Route> pick(RouteRequest request) {
        return table.pick(request.tried(), request.affinityKey().orElse(null))
                .map(p -> new Route(byName.get(p.backend()), p.affinityChanged()));
    }

    @Override
    public List<Backend> routable() {
        return table.routable();
    }

    // (c) proxy outcomes

    /** What the proxy saw, as passive health evidence; never blocks (it runs on an event loop). */
    @Override
    public void onOutcome(Backend backend, Outcome outcome) {
        // IfKnown: an exchange in flight when a reload removed its backend still reports how it ended.
        switch (outcome) {
            case SUCCESS -> checker.onProxySuccessIfKnown(backend.name());
            case CONNECT_REFUSED -> checker.onProxyFailureIfKnown(backend.name(), FailureKind.CONNECT_REFUSED);
            case CONNECT_TIMEOUT -> checker.onProxyFailureIfKnown(backend.name(), FailureKind.CONNECT_TIMEOUT);
            case RESET -> checker.onProxyFailureIfKnown(backend.name(), FailureKind.RESET);
            case RESPONSE_TIMEOUT -> checker.onProxyFailureIfKnown(backend.name(), FailureKind.RESPONSE_TIMEOUT);
            // A framing violation is one broken response, not proof the instance is down: check, don't count.
            case INVALID_RESPONSE -> checker.onProxyFailureIfKnown(backend.name(), FailureKind.GATEWAY_STATUS);
            case GATEWAY_STATUS -> checker.onProxyFailureIfKnown(backend.name(), FailureKind.GATEWAY_STATUS);
        }
    }

    /** The proxy failed talking to {@code backend}; see {@link HealthChecker#onProxyFailure}. */
    public void onProxyFailure(String backend, FailureKind kind) {
        checker.onProxyFailure(backend, kind);
    }

    /** The proxy got a response from {@code backend}. */
    public void onProxySuccess(String backend) {
        checker.onProxySuccess(backend);
    }

    // (d) admin

    public void failover(String to) {
        table.failover(to);
    }

    public void failback() {
        table.failback();
    }

    public void drain(String backend) {
        table.drain(backend);
    }

    public void enable(String backend) {
        table.enable(backend);
    }

    // (e) reading

    /** True when some backend (or the last resort) would be picked: the {@code /readyz} answer. */
    public boolean ready() {
        return table.ready();
    }

    public StatusSnapshot status() {
        RoutingSnapshot r = table.snapshot();
        List<BackendStatus> backends = r.backends().stream().map(this::status).toList();
        return new StatusSnapshot(r.mode(), r.active(), r.lastResortInUse(), r.forcedTarget(), r.failbackDue(), backends,
                r.events());
    }

    /** Every routing event from now on, in order (metrics). */
    public void addListener(RoutingListener listener) {
        table.addListener(listener);
    }

    public RoutingTable routingTable() {
        return table;
    }

    /** The Grafana build {@code backend} reported in its last health answer that named one. */
    @Override
    public Optional<io.grafanaha.health.check.GrafanaBuild> build(String backend) {
        return checker.build(backend);
    }

    @Override
    public void close() {
        checker.close();
    }

    private BackendStatus status(BackendRouting b) {
        Backend spec = b.backend();
        return new BackendStatus(spec.name(), spec.url(), spec.role(), b.state(), b.health(), b.routable(),
                b.active(), checker.report(spec.name()));
    }
}
