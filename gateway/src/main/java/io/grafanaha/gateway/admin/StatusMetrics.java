package io.grafanaha.gateway.admin;

import io.grafanaha.health.BackendStatus;
import io.grafanaha.health.HealthService;
import io.grafanaha.health.Role;
import io.grafanaha.health.RoutingMode;
import io.grafanaha.health.routing.FailoverCause;
import io.grafanaha.health.routing.RoutingEvent;
import io.grafanaha.sync.freshness.BackendSyncStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Info;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The routing and sync metrics of DESIGN.md. Gauges read a fresh status snapshot when scraped (both are
 * in-memory copies, cheap per gauge). Only {@code gateway_failovers_total} is counted from events, since a snapshot
 * cannot tell how many failovers happened between two scrapes; in failover mode each of its {from, to, reason}
 * series that can happen is registered at 0 up front, so {@code increase()} sees the first failover.
 * {@code gateway_build_info{version,revision}} is 1, for joining a version onto any other series.
 *
 * <pre>{@code
 * new StatusMetrics(health, sync).bindTo(registry);   // before health.start(), so no event is missed
 * }</pre>
 */
public final class StatusMetrics implements MeterBinder {
    /** The kinds SyncService counts; registered up front so a counter exists (at 0) before the first error. */
    static final List<String> SYNC_ERROR_KINDS = List.of("read", "apply", "delete-limit", "held-deletes");

    private final HealthService health;
    private final SyncAccess sync;
    /** Each backend's routing gauges, so a reload can add a backend's and remove a removed one's. */
    private final java.util.Map<String, List<io.micrometer.core.instrument.Meter>> backendMeters = new java.util.LinkedHashMap<>();

    public StatusMetrics(HealthService health, SyncAccess sync) {
        this.health = health;
        this.sync = sync;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (registry instanceof PrometheusMeterRegistry prometheus) {
            registerBuildInfo(prometheus);
        }
        health.addListener(event -> countFailover(registry, event));
        List<BackendStatus> backends = health.status().backends();
        List<String> names = backends.stream().map(BackendStatus::name).toList();
        if (health.status().mode() == RoutingMode.FAILOVER) {
            registerFailovers(registry, backends);
        }
        for (String name : names) {
            bindBackend(registry, name);
        }
        if (sync.configured()) {
            bindSync(registry, names);
        }
    }

    private synchronized void bindBackend(MeterRegistry registry, String name) {
        backendMeters.put(name, List.of(
                backendGauge(registry, "gateway_backend_up", name, "1 when the backend's checks pass (state up)",
                        b -> b.state().equals("up") ? 1 : 0),
                backendGauge(registry, "gateway_backend_active", name, "1 when the backend gets new traffic",
                        b -> b.active() ? 1 : 0),
                backendGauge(registry, "gateway_backend_routable", name, "1 when the backend may be picked",
                        b -> b.routable() ? 1 : 0),
                // Lets an alert ask "is the primary serving?" without knowing its name (conf/prometheus/alerts.yml).
                // Read at each scrape, so a reload that changes the roles or the mode is followed.
                backendGauge(registry, "gateway_backend_primary", name, "1 for the backend configured as primary (failover mode)",
                        b -> health.status().mode() == RoutingMode.FAILOVER && b.role() == Role.PRIMARY ? 1 : 0),
                Gauge.builder("gateway_backend_check_latency_seconds", () -> checkLatency(name))
                        .description("duration of the backend's last health check").baseUnit("seconds")
                        .tag("backend", name).register(registry)));
    }

    /**
     * A reload changed the backends: the added ones get their routing gauges, the removed ones lose theirs (a series
     * that stays at NaN would read as a backend still configured). In failover mode (also after a reload that switched
     * to it) every move between the backends now configured gets its counter at 0; sync gauges follow the sync's
     * targets, which change only with a restart.
     */
    public synchronized void backendsChanged(MeterRegistry registry) {
        List<BackendStatus> backends = health.status().backends();
        if (health.status().mode() == RoutingMode.FAILOVER) {
            registerFailovers(registry, backends);
        }
        Set<String> now = new LinkedHashSet<>(backends.stream().map(BackendStatus::name).toList());
        for (var it = backendMeters.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (!now.contains(entry.getKey())) {
                entry.getValue().forEach(registry::remove);
                it.remove();
            }
        }
        now.stream().filter(name -> !backendMeters.containsKey(name)).forEach(name -> bindBackend(registry, name));
    }

    private void bindSync(MeterRegistry registry, List<String> names) {
        for (String name : names) {
            syncGauge(registry, "gateway_sync_fresh", name, "1 when the backend holds the Git head", s -> s.fresh() ? 1 : 0);
            syncGauge(registry, "gateway_sync_lag_commits", name, "commits the backend is behind the head; -1 unknown",
                    BackendSyncStatus::lagCommits);
            syncGauge(registry, "gateway_sync_last_success_timestamp_seconds", name,
                    "when the last pass without failures finished (Unix seconds)",
                    s -> s.lastSync().map(t -> t.toEpochMilli() / 1000.0).orElse(Double.NaN));
            syncGauge(registry, "gateway_sync_dashboards", name, "managed dashboards the backend held after the last pass",
                    BackendSyncStatus::dashboards);
            syncGauge(registry, "gateway_sync_drift", name, "dashboards found changed outside the sync in the last pass",
                    BackendSyncStatus::drift);
            Set<String> kinds = new LinkedHashSet<>(SYNC_ERROR_KINDS);
            backendSync(name).ifPresent(s -> kinds.addAll(s.errors().keySet()));
            for (String kind : kinds) {
                FunctionCounter.builder("gateway_sync_errors_total", this,
                                m -> m.backendSync(name).map(s -> s.errors().getOrDefault(kind, 0L)).orElse(0L).doubleValue())
                        .description("sync errors since start by kind").tags("backend", name, "kind", kind)
                        .register(registry);
            }
        }
        FunctionCounter.builder("gateway_sync_fetch_failures_total", this,
                        m -> m.sync.status().map(s -> (double) s.git().fetchFailures()).orElse(0.0))
                .description("failed Git fetches since start").register(registry);
        Gauge.builder("gateway_sync_file_errors", this,
                        m -> m.sync.status().map(s -> (double) s.fileErrors().size()).orElse(Double.NaN))
                .description("files under sync.path skipped when the head was last read").register(registry);
    }

    private Gauge backendGauge(MeterRegistry registry, String metric, String name, String help, ToDoubleFunction<BackendStatus> value) {
        return Gauge.builder(metric, this, m -> m.backend(name).map(value::applyAsDouble).orElse(Double.NaN))
                .description(help).tag("backend", name).register(registry);
    }

    private void syncGauge(MeterRegistry registry, String metric, String name, String help,
                           ToDoubleFunction<BackendSyncStatus> value) {
        Gauge.builder(metric, this, m -> m.backendSync(name).map(value::applyAsDouble).orElse(Double.NaN))
                .description(help).tag("backend", name).register(registry);
    }

    private double checkLatency(String name) {
        return backend(name).map(b -> b.health().latencyMs()).map(ms -> ms / 1000.0).orElse(Double.NaN);
    }

    private Optional<BackendStatus> backend(String name) {
        return health.status().backends().stream().filter(b -> b.name().equals(name)).findFirst();
    }

    private Optional<BackendSyncStatus> backendSync(String name) {
        return sync.status().map(s -> s.backends().get(name));
    }

    /**
     * An info metric, registered with the Prometheus client itself: Micrometer has no info type, and its
     * naming would strip the {@code _info} suffix of a gauge.
     */
    private static void registerBuildInfo(PrometheusMeterRegistry registry) {
        BuildInfo build = BuildInfo.current();
        Info.builder().name("gateway_build_info")
                .help("always 1; the labels say which build of the gateway is running")
                .labelNames("version", "revision")
                .register(registry.getPrometheusRegistry())
                .addLabelValues(build.version(), build.revision());
    }

    /**
     * Every move that can happen: from any backend to any other for any cause, except that only the
     * primary is ever returned to because it recovered (a failback).
     */
    private static void registerFailovers(MeterRegistry registry, List<BackendStatus> backends) {
        for (BackendStatus from : backends) {
            for (BackendStatus to : backends) {
                if (from.name().equals(to.name())) {
                    continue;
                }
                for (FailoverCause cause : FailoverCause.values()) {
                    if (cause != FailoverCause.PRIMARY_RECOVERED || to.role() == Role.PRIMARY) {
                        failovers(registry, from.name(), to.name(), cause);
                    }
                }
            }
        }
    }

    /** Runs on whichever thread changed the routing (a check, an admin call, an event loop): stays quick. */
    private static void countFailover(MeterRegistry registry, RoutingEvent event) {
        if (event instanceof RoutingEvent.Failover f) {
            failovers(registry, f.from(), f.to(), f.cause()).increment();
        } else if (event instanceof RoutingEvent.Failback f) {
            failovers(registry, f.from(), f.to(), f.cause()).increment();
        }
    }

    private static Counter failovers(MeterRegistry registry, String from, String to, FailoverCause cause) {
        return Counter.builder("gateway_failovers_total")
                .description("times traffic moved from one backend to another (failover and failback)")
                .tags("from", from == null ? "none" : from, "to", to == null ? "none" : to, "reason", cause.label())
                .register(registry);
    }
}
