package io.grafanaha.gateway.app;

import io.grafanaha.gateway.admin.ActivityLog;
import io.grafanaha.gateway.admin.AdminApi;
import io.grafanaha.gateway.admin.AdminServer;
import io.grafanaha.gateway.admin.PrometheusRegistry;
import io.grafanaha.gateway.admin.StatusMetrics;
import io.grafanaha.gateway.admin.SyncAccess;
import io.grafanaha.gateway.capture.EditCapture;
import io.grafanaha.gateway.capture.DashboardLedger;
import io.grafanaha.gateway.capture.EditHook;
import io.grafanaha.gateway.capture.LibraryPanelTranslation;
import io.grafanaha.gateway.capture.ResourceSaveTranslation;
import io.grafanaha.gateway.capture.SaveCatchUp;
import io.grafanaha.gateway.capture.SaveTranslation;
import io.grafanaha.gateway.capture.TranslationCounts;
import io.grafanaha.sync.grafana.GrafanaClient;
import java.util.LinkedHashMap;
import java.util.Map;
import io.grafanaha.gateway.config.FailbackConfig;
import io.grafanaha.gateway.auth.OidcGate;
import io.grafanaha.gateway.config.AuthConfig;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.HealthConfig;
import io.grafanaha.gateway.proxy.Backends;
import io.grafanaha.gateway.proxy.ProxyServer;
import io.grafanaha.gateway.tls.ServerTls;
import io.grafanaha.health.check.Probe;
import io.grafanaha.health.HealthService;
import io.grafanaha.health.check.CheckPolicy;
import io.grafanaha.health.routing.FailbackGate;
import io.grafanaha.health.routing.FailbackPolicy;
import io.grafanaha.health.routing.RoutingEvent;
import io.grafanaha.health.routing.RoutingPolicy;
import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.webhook.WebhookVerifier;
import io.grafanaha.sync.writeback.WriteBack;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.List;
import java.nio.file.Path;
import io.grafanaha.gateway.config.ConfigDiff;
import io.grafanaha.gateway.config.ConfigLoader;
import io.grafanaha.gateway.reload.ConfigReload;
import io.grafanaha.gateway.reload.ReloadResult;
import io.grafanaha.gateway.reload.RunningConfig;
import io.grafanaha.gateway.discovery.DnsDiscovery;
import io.grafanaha.gateway.discovery.JndiResolver;
import io.grafanaha.gateway.discovery.Resolver;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where the parts are wired: configuration in, listeners out. Commands, the demo and
 * end-to-end tests all start the product through here, so what a test runs is what {@code run} runs.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    /** The configuration running now: a reload replaces it with {@link ConfigDiff#effective()}. */
    private volatile GatewayConfig config;
    private final PrometheusMeterRegistry registry = PrometheusRegistry.create();
    /** The sync's and write-back's doings, shown in the status timeline beside routing events. */
    private final ActivityLog activity;
    /** The clock and every pool but the Netty event loops: what runs where is in package-info.java. */
    private final Threads threads;
    private final Optional<SyncService> sync;
    private final Optional<WriteBack> writeBack;
    private final HealthService health;
    private final ProxyServer proxy;
    /** Made at start (a certificate that became unusable since {@code check} fails the start, not the constructor). */
    private volatile Optional<ServerTls> serverTls = Optional.empty();
    private final AdminServer admin;
    /** Present when started from a file ({@code run}): {@code POST /api/reload} and SIGHUP read it again. */
    private final Optional<ConfigReload> reload;
    /** The one way the running configuration changes: reloads and DNS answers both apply through it. */
    private final RunningConfig running;
    /** Backend entries with {@code discovery}, expanded to one backend per address. */
    private final DnsDiscovery dns;
    /** The configuration as given (entries with discovery unexpanded), until a reload replaces it. */
    private final GatewayConfig initialTemplate;
    private volatile ScheduledFuture<?> dnsRefresh;
    private volatile boolean closed;

    private Gateway(GatewayConfig template, Optional<Path> file, ConfigLoader loader, Resolver resolver) {
        this.initialTemplate = template;
        this.dns = new DnsDiscovery(resolver);
        GatewayConfig config = dns.expand(template);
        this.config = config;
        this.threads = Threads.of(config);
        this.activity = new ActivityLog(threads.clock());
        Optional<String> broken = Optional.empty();
        Optional<SyncService> created;
        try {
            created = config.sync().map(s -> SyncSetup.create(config, s, threads, activity));
        } catch (UncheckedIOException e) {
            // The sync needs its data directory; the front door does not. Serve, and say the sync is broken.
            created = Optional.empty();
            broken = Optional.of(e.getMessage());
            log.error("the sync is off until restart: {}", e.getMessage());
            activity.record("sync-broken", Optional.empty(), e.getMessage());
        }
        this.sync = created;
        FailbackGate gate = broken.isPresent() && config.failback().requireSync() ? backend -> false
                : sync.filter(s -> config.failback().requireSync())
                        .<FailbackGate>map(s -> s::isFresh)
                        .orElse(FailbackGate.ALWAYS);
        this.health = HealthService.create(Backends.of(config), checkPolicy(config.health()), routingPolicy(config),
                gate, threads.healthChecks(), threads.clock(), BackendProbes.create(config, () -> this.config.backends()));
        sync.ifPresent(s -> health.addListener(SyncSetup.freshnessFollowsHealth(s)));
        this.proxy = new ProxyServer(config, health, registry, health).tlsReloads(threads.healthChecks()).builds(health);
        if (config.auth().mode() == AuthConfig.Mode.OIDC) {
            proxy.auth(OidcGate.create(config, threads.clock()));
        }
        sync.ifPresent(service -> proxy.localRoutes(new WebhookRoute(
                new WebhookVerifier(config.sync().orElseThrow().webhookSecret().reveal(), config.sync().orElseThrow().branch()), service)));
        this.writeBack = writeBack(sync, config, activity, threads);
        writeBack.ifPresent(wb -> {
            TranslationCounts counts = new TranslationCounts();
            SaveTranslation translation = saveTranslation(sync.orElseThrow(), wb, counts);
            proxy.observer(new EditHook(new EditCapture(wb, threads.clock()), Optional.of(translation),
                    Optional.of(resourceTranslation(sync.orElseThrow(), translation.ledger(), counts)),
                    Optional.of(new LibraryPanelTranslation(reader(sync.orElseThrow())))));
            WriteBackSetup.bindMetrics(wb, registry);
            WriteBackSetup.bindMetrics(counts, registry);
        });
        health.addListener(this::closeTunnelsOfBackendsLeft);
        health.addListener(this::retryRequestsWaitingOnDownBackend);
        this.admin = new AdminServer(config, health, registry);
        SyncAccess syncAccess = sync.map(SyncAccess::of).orElse(broken
                .map(error -> SyncAccess.broken(error, config.backends().stream().map(b -> b.name()).toList()))
                .orElse(SyncAccess.NONE));
        StatusMetrics statusMetrics = new StatusMetrics(health, syncAccess);
        this.running = new RunningConfig(config, List.of(
                LiveChanges.routing(health),
                LiveChanges.proxy(proxy),
                LiveChanges.sync(sync),
                (diff, effective, reason) -> statusMetrics.backendsChanged(registry),
                (diff, effective, reason) -> this.config = effective));
        this.reload = file.map(f -> new ConfigReload(f, template, loader, running, dns::expand, threads.clock(), registry));
        if (reload.isEmpty()) {
            ConfigReload.counters(registry);
        }
        reload.ifPresent(r -> r.addListener(result -> activity.record(
                result instanceof ReloadResult.Invalid ? "config-invalid" : "config-reload", Optional.empty(), result.message())));
        new AdminApi(config.admin().token(), health, syncAccess, activity, reload).register(admin);
        statusMetrics.bindTo(registry);
    }

    /**
     * Saves translated to the instance that serves them: the serving instance's copy is read with the sync's client
     * for that backend (its API token), on the sync's read threads, never on an event loop; a backend that lacks the
     * acknowledged save its user started from is first brought up to it there ({@link SaveCatchUp}). Each save it
     * decides is counted in {@code gateway_save_translations_total{outcome}}.
     */
    private SaveTranslation saveTranslation(SyncService sync, WriteBack writeBack, TranslationCounts counts) {
        DashboardLedger ledger = new DashboardLedger();
        Map<String, GrafanaClient> clients = new LinkedHashMap<>();
        sync.targets().forEach(t -> clients.put(t.name(), t.client()));
        return new SaveTranslation(ledger, SaveTranslation.clientReader(clients, ledger, threads.syncReads()),
                new SaveCatchUp(writeBack.catchUp(), ledger, threads.syncReads()), counts);
    }

    /** Grafana 12's resource-API saves, translated from the same ledger as the legacy saves, counted with them. */
    private ResourceSaveTranslation resourceTranslation(SyncService sync, DashboardLedger ledger, TranslationCounts counts) {
        return new ResourceSaveTranslation(ledger, reader(sync), counts);
    }

    /** Reads of a backend's API with the sync's client for it (its API token), on the sync's read threads. */
    private ResourceSaveTranslation.Reader reader(SyncService sync) {
        Map<String, GrafanaClient> clients = new LinkedHashMap<>();
        sync.targets().forEach(t -> clients.put(t.name(), t.client()));
        return ResourceSaveTranslation.clientReader(clients, threads.syncReads());
    }

    /** The write-back of a running sync; none when its journal cannot be opened (logged, in the status timeline). */
    private static Optional<WriteBack> writeBack(Optional<SyncService> sync, GatewayConfig config, ActivityLog activity,
            Threads threads) {
        try {
            return sync.map(s -> WriteBackSetup.create(s, config.sync().orElseThrow(), activity, threads));
        } catch (UncheckedIOException e) {
            log.error("edits made in Grafana are not written back until restart: {}", e.getMessage());
            activity.record("write-back-broken", Optional.empty(), e.getMessage());
            return Optional.empty();
        }
    }

    /** A gateway whose listeners are not bound yet: add admin routes, then {@link #start()}. It cannot reload. */
    public static Gateway create(GatewayConfig config) {
        return new Gateway(config, Optional.empty(), ConfigLoader.fromEnvironment(), new JndiResolver());
    }

    /**
     * A gateway that runs {@code config}, read from {@code file} with {@code loader}: {@code POST /api/reload} and
     * {@link #reload(String)} read that file again with the same loader.
     */
    public static Gateway create(Path file, GatewayConfig config, ConfigLoader loader) {
        return create(file, config, loader, new JndiResolver());
    }

    /** As above, asking {@code resolver} for the backends' DNS names (tests answer themselves). */
    public static Gateway create(Path file, GatewayConfig config, ConfigLoader loader, Resolver resolver) {
        return new Gateway(config, Optional.of(file), loader, resolver);
    }

    /**
     * Asks DNS again for every backend entry with {@code discovery} and applies what changed, like a reload of the
     * backends alone; runs every {@code dns-refresh} on its own thread. Returns what was applied, in words.
     */
    public String refreshDns() {
        GatewayConfig template = reload.map(ConfigReload::template).orElse(initialTemplate);
        if (!dns.refresh(template)) {
            return "nothing";
        }
        String applied = running.apply(dns.expand(template), "DNS answer changed").describeApplied();
        log.info("backends from DNS: {}", applied);
        return applied;
    }

    private void scheduleDnsRefresh() {
        if (closed) {
            return;
        }
        GatewayConfig template = reload.map(ConfigReload::template).orElse(initialTemplate);
        dnsRefresh = threads.discovery().schedule(() -> {
            try {
                refreshDns();
            } catch (RuntimeException e) {
                log.error("applying the backends DNS names resolve to failed; trying again at the next refresh", e);
            } finally {
                scheduleDnsRefresh();
            }
        }, DnsDiscovery.interval(template).toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Reads the configuration file again and applies it (see {@link ConfigReload}); empty if not started from a file. */
    public Optional<ReloadResult> reload(String trigger) {
        return reload.map(r -> r.reload(trigger));
    }

    /** The reload of the file this gateway was started from, if it was. */
    public Optional<ConfigReload> configReload() {
        return reload;
    }

    /** Creates and starts a gateway. */
    public static Gateway start(GatewayConfig config) {
        return create(config).start();
    }

    /** Binds both listeners and starts the health checks; if anything fails, what started is stopped again. */
    public Gateway start() {
        try {
            serverTls = config.tls().map(t -> ServerTls.forListen(t, config.proxy().http2().enabled()));
            serverTls.ifPresent(proxy::serverTls);
            if (config.admin().tls()) {
                serverTls.ifPresent(admin::tls);
            }
            proxy.start();
            admin.start();
            health.start();
            sync.ifPresent(SyncService::start);
            writeBack.ifPresent(WriteBack::start);
            scheduleDnsRefresh();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info("gateway ready: users at {}://{}:{}, ops at {}://{}:{} ({} mode, {} backends, {} transport)",
                serverTls.isPresent() ? "https" : "http", proxy.address().getHostString(), proxy.port(),
                serverTls.isPresent() && config.admin().tls() ? "https" : "http", admin.address().getHostString(), admin.port(),
                config.mode().name().toLowerCase().replace('_', '-'), config.backends().size(), proxy.transport());
        return this;
    }

    /**
     * Grafana Live tunnels to a backend that went down, was drained, or stopped being the active one
     * in failover mode are closed, so the browser reconnects through the gateway to the backend that
     * now serves. Runs on the thread that changed the routing (a check, an admin call, an event loop):
     * closeTunnels only schedules work on event loops.
     */
    private void closeTunnelsOfBackendsLeft(RoutingEvent event) {
        if (event instanceof RoutingEvent.BackendDown e) {
            proxy.closeTunnels(e.backend(), "backend down");
        } else if (event instanceof RoutingEvent.Drained e) {
            proxy.closeTunnels(e.backend(), "backend drained");
        } else if (event instanceof RoutingEvent.Removed e) {
            proxy.closeTunnels(e.backend(), "backend removed: " + e.reason());
        } else if (event instanceof RoutingEvent.Failover e) {
            proxy.closeTunnels(e.from(), "failover to " + e.to());
        } else if (event instanceof RoutingEvent.Failback e) {
            proxy.closeTunnels(e.from(), "failback to " + e.to());
        }
    }

    /**
     * A backend marked down (a hung Grafana accepts connections and never answers) would hold its
     * in-flight requests until {@code proxy.response-timeout}; safe ones go to the backend serving now.
     * Only BackendDown: a drained or failed-back-from backend is healthy and finishes what it has.
     */
    private void retryRequestsWaitingOnDownBackend(RoutingEvent event) {
        if (event instanceof RoutingEvent.BackendDown e) {
            proxy.backendDown(e.backend());
        } else if (event instanceof RoutingEvent.BackendUp e) {
            proxy.backendUp(e.backend());
        }
    }

    /** The health checks' probe for a fixed set of backends ({@link BackendProbes#create}). */
    static Probe probe(GatewayConfig config) {
        return BackendProbes.create(config, config::backends);
    }

    static CheckPolicy checkPolicy(HealthConfig h) {
        return CheckPolicy.of(h.path(), h.interval(), h.timeout(), h.rise(), h.fall());
    }

    static RoutingPolicy routingPolicy(GatewayConfig c) {
        FailbackPolicy.Mode mode = c.failback().mode() == FailbackConfig.Mode.AUTO ? FailbackPolicy.Mode.AUTO : FailbackPolicy.Mode.MANUAL;
        return new RoutingPolicy(c.mode(), new FailbackPolicy(mode, c.failback().hold()), c.routing().lastResort());
    }

    public GatewayConfig config() {
        return config;
    }

    public HealthService health() {
        return health;
    }

    public Optional<SyncService> sync() {
        return sync;
    }

    /** The write-back, when sync is configured with {@code write-back: true}. */
    public Optional<WriteBack> writeBack() {
        return writeBack;
    }

    public AdminServer admin() {
        return admin;
    }

    /**
     * The certificate holder of {@code listen} (and {@code admin.listen} with {@code admin.tls}), when {@code tls:} is
     * configured and the gateway started: {@link ServerTls#reloadNow()} reads the files again (SIGHUP,
     * {@code POST /api/reload}).
     */
    public Optional<ServerTls> serverTls() {
        return serverTls;
    }

    public ProxyServer proxy() {
        return proxy;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public int port() {
        return proxy.port();
    }

    public int adminPort() {
        return admin.port();
    }

    /** Stops accepting, lets in-flight requests finish up to {@code proxy.shutdown-grace}, then closes. */
    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> refresh = dnsRefresh;
        if (refresh != null) {
            refresh.cancel(false);
        }
        health.close();
        writeBack.ifPresent(WriteBack::close);
        sync.ifPresent(SyncService::close);
        threads.closeSync();
        boolean drained = proxy.shutdown(config.proxy().shutdownGrace());
        admin.close();
        serverTls.ifPresent(ServerTls::close);
        threads.close();
        log.info("gateway stopped{}", drained ? "" : " (some requests were cut at the end of the grace period)");
    }
}
