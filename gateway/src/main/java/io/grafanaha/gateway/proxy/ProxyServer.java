package io.grafanaha.gateway.proxy;

import io.github.bucket4j.TimeMeter;
import io.grafanaha.gateway.accesslog.AccessUser;
import io.grafanaha.gateway.auth.AuthGate;
import io.grafanaha.gateway.auth.AuthGates;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.ProxyConfig;
import io.grafanaha.gateway.listener.ConnectionLimiter;
import io.grafanaha.gateway.listener.ProxyProtocol;
import io.grafanaha.gateway.tls.BackendTls;
import io.grafanaha.gateway.tls.ServerTls;
import io.grafanaha.health.Builds;
import io.grafanaha.health.OutcomeListener;
import io.grafanaha.health.Router;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public listener: a streaming reverse proxy in front of the Grafana backends, HTTP/1.1 and (over TLS, or h2c
 * with prior knowledge) HTTP/2, whose streams take the same path as HTTP/1.1 requests.
 *
 * <pre>{@code
 * try (ProxyServer proxy = new ProxyServer(config, router, registry).start()) {
 *     int port = proxy.port();
 * }
 * }</pre>
 *
 * {@link #close()} shuts down gracefully within {@code proxy.shutdownGrace}; {@link #shutdown(Duration)}
 * takes an explicit grace. Before {@link #start()}, {@link #localRoutes(LocalRoutes)} adds requests the
 * gateway answers itself and {@link #observer(RequestObserver)} watches chosen requests;
 * {@link #closeTunnels(String, String)} closes the WebSockets to a backend; {@link #reconfigure(GatewayConfig)}
 * applies a reloaded configuration.
 *
 * <p>About 465 lines: the optional collaborators set before {@link #start()} (routes, observer, TLS reloads, access-log
 * user, builds, sign-in) each take a documented setter, and {@link #reconfigure} must rebuild what they feed. The
 * listener's pipeline is in {@link ListenerPipeline}, the redirect listener in {@link HttpsRedirect}; the next cut
 * would be the setters.
 */
public final class ProxyServer implements AutoCloseable {
    static final int MAX_CHUNK = 64 * 1024;
    static final String PROXY_PROTOCOL = "proxy-protocol";
    static final String PROXY_HEADER = "proxy-header";
    static final String TLS = "tls";
    static final String HEAD_BYTES = "head-bytes";
    static final String HEADS = "heads";
    static final String IDLE = "idle";
    static final String DECODER = "decoder";
    static final String ENCODER = "encoder";
    /** Idle keep-alive connections kept per backend and event loop at least; more while the loop serves more clients. */
    static final int MAX_IDLE_PER_BACKEND = 32;

    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    /** Replaced by {@link #reconfigure}; read by each new connection. */
    private volatile GatewayConfig config;
    private final Transport transport;
    private final Router router;
    private final OutcomeListener outcomes;
    private final ProxyMetrics metrics;
    private final MeterRegistry registry;
    private final BackendPool pool;
    private final Drain drain = new Drain();
    private final Tunnels tunnels = new Tunnels();
    private final Waiting waiting = new Waiting();
    private RetryBudget retryBudget = RetryBudget.standard();
    private LocalRoutes localRoutes = LocalRoutes.NONE;
    private AuthGate auth;
    private RequestObserver observer = RequestObserver.NONE;
    private WatchBuffers watchBuffers = new WatchBuffers(WatchBuffers.DEFAULT_LIMIT);
    /** Replaced by {@link #reconfigure}; each request takes the one current at its start. */
    private volatile ProxyContext context;
    private final RequestIds requestIds = RequestIds.random();
    private RateLimits rateLimits;
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private EventLoopGroup group;
    private ConnectionLimiter limiter;
    private ProxyProtocol proxyProtocol;
    private Channel serverChannel;
    private boolean stopped;
    private ScheduledExecutorService tlsReloads;
    private volatile ServerTls tls;
    private ScheduledFuture<?> tlsWatch;
    private AccessUser accessUser = AccessUser.NONE;
    private Builds builds = Builds.NONE;
    private AccessLog accessLog = AccessLog.OFF;
    private Tracing tracing = Tracing.OFF;
    private Duration tracingExportDelay = Tracing.EXPORT_DELAY;
    private BuildAffinity buildAffinity = BuildAffinity.OFF;
    private Channel redirectChannel;

    public ProxyServer(GatewayConfig config, Router router, MeterRegistry registry) {
        this(config, router, registry, OutcomeListener.NONE);
    }

    public ProxyServer(GatewayConfig config, Router router, MeterRegistry registry, OutcomeListener outcomes) {
        this(config, router, registry, outcomes, Transport.of(config.proxy().transport()));
    }

    ProxyServer(GatewayConfig config, Router router, MeterRegistry registry, OutcomeListener outcomes, Transport transport) {
        this.config = config;
        this.transport = transport;
        this.router = router;
        this.outcomes = outcomes;
        this.pool = new BackendPool(transport, config.proxy(), MAX_IDLE_PER_BACKEND, BackendTls.proxyContexts(config.backends()));
        this.metrics = new ProxyMetrics(registry, pool, config.backends().stream().map(b -> b.name()).toList());
        this.registry = registry;
        this.rateLimits = new RateLimits(config.rateLimits(), config.proxy().trustedProxies(), TimeMeter.SYSTEM_NANOTIME, registry);
    }

    /**
     * Requests the gateway answers itself on this listener (e.g. the Git webhook). Set before
     * {@link #start()}; without it only the 404 for unknown {@code /_gateway/} paths applies.
     */
    public synchronized ProxyServer localRoutes(LocalRoutes routes) {
        requireNotStarted();
        this.localRoutes = java.util.Objects.requireNonNull(routes, "routes");
        return this;
    }

    /**
     * Who is signed in ({@code auth:}): the gate for {@code oidc}, which the wiring builds with its clock and
     * HTTP client. Without it, {@link AuthGates#of} serves {@code none} and {@code trusted-header}. Before {@link #start()}.
     */
    public synchronized ProxyServer auth(AuthGate gate) {
        requireNotStarted();
        this.auth = java.util.Objects.requireNonNull(gate, "gate");
        return this;
    }

    /**
     * Sees the requests it watches (the gateway's edit capture: Grafana's writes) and may answer them
     * itself instead of forwarding, or hold their responses. Set before {@link #start()}; see {@link RequestObserver}.
     */
    public synchronized ProxyServer observer(RequestObserver observer) {
        requireNotStarted();
        this.observer = java.util.Objects.requireNonNull(observer, "observer");
        return this;
    }

    /** How often spans are sent to {@code tracing.otlp-endpoint}; tests use a short one. Before {@link #start()}. */
    synchronized ProxyServer tracingExportDelay(Duration delay) {
        requireNotStarted();
        this.tracingExportDelay = delay;
        return this;
    }

    /** Caps what watched requests hold together ({@link WatchBuffers}); tests use a small one. Before {@link #start()}. */
    synchronized ProxyServer watchBufferLimit(long bytes) {
        requireNotStarted();
        this.watchBuffers = new WatchBuffers(bytes);
        return this;
    }

    /** Bytes of watched request bodies held in memory right now. */
    long watchBufferedBytes() {
        return watchBuffers.held();
    }

    /**
     * Where the {@code tls:} certificate files are looked at for a replacement (the gateway gives its health-check
     * scheduler); without it, one of the proxy's event loops. Before {@link #start()}.
     */
    public synchronized ProxyServer tlsReloads(ScheduledExecutorService scheduler) {
        requireNotStarted();
        this.tlsReloads = java.util.Objects.requireNonNull(scheduler, "scheduler");
        return this;
    }

    /**
     * The certificate holder to use instead of making one from {@code tls:} (the gateway shares one with the admin
     * listener, so a reload reaches both). The proxy still watches its files. Before {@link #start()}.
     */
    public synchronized ProxyServer serverTls(ServerTls shared) {
        requireNotStarted();
        this.tls = java.util.Objects.requireNonNull(shared, "shared");
        return this;
    }

    /** The listener's TLS, if {@code tls:} is configured and the proxy started. */
    Optional<ServerTls> tls() {
        return Optional.ofNullable(tls);
    }

    /** Who made each request, for the access log's {@code user} field (the sign-in knows). Before {@link #start()}. */
    public synchronized ProxyServer accessUser(AccessUser user) {
        requireNotStarted();
        this.accessUser = java.util.Objects.requireNonNull(user, "user");
        return this;
    }

    /**
     * The Grafana build each backend reports, so a browser stays on one build while an upgrade rolls through the
     * instances ({@link BuildAffinity}); without it, builds are not looked at. Before {@link #start()}.
     */
    public synchronized ProxyServer builds(Builds builds) {
        requireNotStarted();
        this.builds = java.util.Objects.requireNonNull(builds, "builds");
        return this;
    }

    /**
     * Looks at the {@code tls:} certificate files now instead of at the next {@code tls.reload-interval} (a reload
     * asks for this). Returns true if new handshakes now use a new certificate; false without TLS, unchanged or
     * unusable files (then the current certificate stays and the log says why).
     */
    public boolean reloadTls() {
        ServerTls current = tls;
        return current != null && current.reloadIfChanged();
    }

    /** Replaces the retry budget (tests use one with a frozen clock). Before {@link #start()}. */
    synchronized ProxyServer retryBudget(RetryBudget budget) {
        requireNotStarted();
        this.retryBudget = budget;
        return this;
    }

    /**
     * Closes every open WebSocket (or other upgraded) tunnel to {@code backend}, so its clients reconnect
     * to whichever backend serves now. Each client gets a close frame with status 1012 (service restart)
     * and {@code reason} when the stream is between frames, otherwise its connection is just closed.
     * The work runs on the tunnels' own event loops; this returns at once.
     *
     * @return how many tunnels were closed
     */
    public int closeTunnels(String backend, String reason) {
        int closed = tunnels.close(backend, reason);
        if (closed > 0) {
            log.info("closing {} WebSocket tunnel(s) to {}: {}", closed, backend, reason);
        }
        return closed;
    }

    /**
     * {@code backend} was marked down: in-flight safe requests still waiting for its response headers
     * are sent to the backend that serves now (a retry, within {@code routing.retries} but outside the
     * budget, see {@link RetryCause#drawsOnBudget()}), instead of waiting for {@code proxy.response-timeout}.
     * Unsafe requests, and responses already streaming, are left alone. Runs on the exchanges' event
     * loops; this returns at once.
     */
    public void backendDown(String backend) {
        waiting.backendDown(backend);
    }

    /** {@code backend} passes its checks again: requests sent there (e.g. as a last resort) may wait for it. */
    public void backendUp(String backend) {
        waiting.backendUp(backend);
    }

    private void requireNotStarted() {
        if (group != null || stopped) {
            throw new IllegalStateException("configure the proxy before start()");
        }
    }

    /** Binds {@code listen}; returns this for chaining. Fails if the address is taken. */
    public synchronized ProxyServer start() {
        if (group != null || stopped) {
            throw new IllegalStateException(stopped ? "a proxy that was shut down cannot start again" : "proxy already started");
        }
        accessLog = AccessLog.open(config, accessUser, registry);
        tracing = Tracing.open(config.tracing(), tracingExportDelay);
        buildAffinity = builds == Builds.NONE ? BuildAffinity.OFF : new BuildAffinity(builds, router);
        if (auth == null) {
            auth = AuthGates.of(config);
        }
        context = context(config);
        metrics.editKinds(observer.labels());
        LocalRoutes own = localRoutes;
        LocalRoutes gate = context.auth().routes();
        LocalRoutes routes = gate == LocalRoutes.NONE ? own : (method, path) -> gate.route(method, path).or(() -> own.route(method, path));
        ServerTls serverTls = tls != null ? tls
                : config.tls().map(t -> ServerTls.forListen(t, config.proxy().http2().enabled())).orElse(null);
        tls = serverTls;
        group = transport.newGroup(Runtime.getRuntime().availableProcessors());
        limiter = connectionLimiter(config.proxy()).bindTo(registry);
        proxyProtocol = config.proxy().proxyProtocol()
                ? new ProxyProtocol(config.proxy().trustedProxies(), System::nanoTime).bindTo(registry) : null;
        ListenerPipeline listener = new ListenerPipeline(() -> context, metrics, clients, limiter, proxyProtocol,
                serverTls, routes);
        ServerBootstrap bootstrap = transport.listener(group, "listen")
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOCATOR, Transport.ALLOCATOR)
                // No TCP_NODELAY here: Netty's socket channels turn it on as they are made, and the option would set it again.
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        listener.init(ch);
                    }
                });
        try {
            serverChannel = bootstrap.bind(config.listen().toSocketAddress()).syncUninterruptibly().channel();
        } catch (Exception e) { // a failed bind is Netty's undeclared IOException: catching only RuntimeException leaked the loops
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            accessLog.close();
            tracing.close();
            throw new IllegalStateException("cannot listen on " + config.listen() + ": " + e.getMessage(), e);
        }
        if (serverTls != null) {
            tlsWatch = serverTls.watch(tlsReloads != null ? tlsReloads : group.next());
            startRedirect();
        }
        log.info("proxy listening on {} ({} transport{})", address(), transport.name(), protocols(serverTls));
        return this;
    }

    private void startRedirect() {
        var address = config.tls().flatMap(t -> t.redirectListen());
        if (address.isEmpty()) {
            return;
        }
        try {
            redirectChannel = HttpsRedirect.start(address.get(), port(), transport.listener(group, HttpsRedirect.KEY), config.proxy());
        } catch (RuntimeException e) {
            serverChannel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The bound address of {@code tls.redirect-listen}, when it runs. */
    Optional<InetSocketAddress> redirectAddress() {
        return Optional.ofNullable(redirectChannel).map(c -> (InetSocketAddress) c.localAddress());
    }

    private String protocols(ServerTls serverTls) {
        if (serverTls != null) {
            return ", TLS with " + serverTls.providerName() + (config.proxy().http2().enabled() ? ", h2 and http/1.1" : ", http/1.1");
        }
        return config.proxy().http2().h2c() ? ", http/1.1 and h2c with prior knowledge" : "";
    }

    private ProxyContext context(GatewayConfig c) {
        return new ProxyContext(c.proxy(), c.routing().stickyCookie(),
                RetryPolicy.of(c.routing().retries(), retryBudget, c.routing().tryTimeout().toMillis(), c.routing().replaySaves()),
                router, outcomes, pool, metrics, drain, tunnels, waiting, observer, watchBuffers, requestIds, rateLimits,
                accessLog, buildAffinity, auth, tracing);
    }

    /**
     * Applies a reloaded configuration (see {@code ConfigDiff} for which keys are live): requests that start from
     * now on use its timeouts, retries, sticky cookie, trusted proxies and rate limits; connections opened from now
     * on its idle and head timeouts; backend connections opened from now on its connect timeout and backend TLS.
     * Requests and tunnels in flight keep what they started with. Rate-limit buckets start afresh only when
     * {@code rate-limits} or {@code proxy.trusted-proxies} changed.
     */
    public synchronized void reconfigure(GatewayConfig next) {
        GatewayConfig previous = config;
        if (!previous.rateLimits().equals(next.rateLimits()) || !previous.proxy().trustedProxies().equals(next.proxy().trustedProxies())) {
            rateLimits = new RateLimits(next.rateLimits(), next.proxy().trustedProxies(), TimeMeter.SYSTEM_NANOTIME, registry);
        }
        next.backends().stream().map(b -> b.name())
                .filter(name -> previous.backend(name).isEmpty())
                .forEach(metrics::backendAdded);
        pool.reconfigure(next.proxy(), BackendTls.proxyContexts(next.backends()));
        config = next;
        if (context != null) {
            context = context(next);
        }
    }

    /** The caps of {@code proxy.max-connections*}, the total lowered to fit the process's descriptor limit. */
    private static ConnectionLimiter connectionLimiter(ProxyConfig proxy) {
        int max = ConnectionLimiter.withinDescriptorLimit(proxy.maxConnections());
        if (max < proxy.maxConnections()) {
            log.info("proxy.max-connections lowered from {} to {} to stay within the open-file limit", proxy.maxConnections(), max);
        }
        return new ConnectionLimiter("listen", max, proxy.maxConnectionsPerClient());
    }

    /** Client connections open right now (those closed at once by a connection cap not counted). */
    public int openClientConnections() {
        return limiter == null ? 0 : limiter.open();
    }

    /** The bound address; with port 0 in the configuration, the port the system chose. */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    /** "io_uring", "epoll" or "nio". */
    public String transport() {
        return transport.name();
    }

    /** TCP connections to backends that are open right now, pooled or in use. */
    public int openBackendConnections() {
        return pool.openConnections();
    }

    /** Exchanges (request/response pairs) in progress. */
    public int inFlight() {
        return drain.inFlight();
    }

    /**
     * Stops accepting, lets in-flight exchanges finish for up to {@code grace}, then closes every
     * connection (WebSocket tunnels included). Idle keep-alive connections close at once.
     *
     * @return true if every exchange finished within the grace period
     */
    public synchronized boolean shutdown(Duration grace) {
        stopped = true;
        if (group == null) {
            return true;
        }
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (redirectChannel != null) {
            redirectChannel.close().syncUninterruptibly();
        }
        if (tlsWatch != null) {
            tlsWatch.cancel(false);
        }
        boolean drained = true;
        var idle = drain.start();
        clients.forEach(ch -> ch.pipeline().fireUserEventTriggered(Drain.STARTED));
        try {
            idle.get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            drained = false;
            log.warn("{} exchanges still in flight after {} ms; closing them", drain.inFlight(), grace.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        } catch (ExecutionException e) {
            drained = false;
        }
        clients.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        pool.closeAll().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        group = null;
        accessLog.close(); // after the connections: tunnels log their lines as they close
        tracing.close(); // likewise their spans
        return drained;
    }

    @Override
    public void close() {
        shutdown(config.proxy().shutdownGrace());
    }
}
