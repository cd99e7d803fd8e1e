package io.grafanaha.gateway.proxy;

import io.github.bucket4j.TimeMeter;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.ProxyConfig;
import io.grafanaha.gateway.listener.AcceptBackoff;
import io.grafanaha.gateway.listener.ConnectionLimiter;
import io.grafanaha.gateway.listener.RequestHeadDeadline;
import io.grafanaha.gateway.tls.BackendTls;
import io.grafanaha.gateway.tls.ServerTls;
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
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.timeout.IdleStateHandler;
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
 * The public listener: a streaming HTTP/1.1 reverse proxy in front of the Grafana backends.
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
 * applies a reloaded configuration. Over 350 lines since that joined; the next cut would move the child pipeline
 * (the {@code ChannelInitializer} of {@link #start()}) into a class of its own.
 */
public final class ProxyServer implements AutoCloseable {
    static final int MAX_CHUNK = 64 * 1024;
    static final String LIMIT = "limit";
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
    private RequestObserver observer = RequestObserver.NONE;
    private WatchBuffers watchBuffers = new WatchBuffers(WatchBuffers.DEFAULT_LIMIT);
    /** Replaced by {@link #reconfigure}; each request takes the one current at its start. */
    private volatile ProxyContext context;
    private final RequestIds requestIds = RequestIds.random();
    private RateLimits rateLimits;
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private EventLoopGroup group;
    private ConnectionLimiter limiter;
    private Channel serverChannel;
    private boolean stopped;
    private ScheduledExecutorService tlsReloads;
    private volatile ServerTls tls;
    private ScheduledFuture<?> tlsWatch;

    public ProxyServer(GatewayConfig config, Router router, MeterRegistry registry) {
        this(config, router, registry, OutcomeListener.NONE);
    }

    public ProxyServer(GatewayConfig config, Router router, MeterRegistry registry, OutcomeListener outcomes) {
        this(config, router, registry, outcomes, Transport.best());
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
     * Sees the requests it watches (the gateway's edit capture: Grafana's writes) and may answer them
     * itself instead of forwarding, or hold their responses. Set before {@link #start()}; see {@link RequestObserver}.
     */
    public synchronized ProxyServer observer(RequestObserver observer) {
        requireNotStarted();
        this.observer = java.util.Objects.requireNonNull(observer, "observer");
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

    /** The listener's TLS, if {@code tls:} is configured and the proxy started. */
    Optional<ServerTls> tls() {
        return Optional.ofNullable(tls);
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
        context = context(config);
        metrics.editKinds(observer.labels());
        LocalRoutes routes = localRoutes;
        ServerTls serverTls = config.tls().map(ServerTls::forListen).orElse(null);
        tls = serverTls;
        group = transport.newGroup(Runtime.getRuntime().availableProcessors());
        limiter = connectionLimiter(config.proxy()).bindTo(registry);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new AcceptBackoff("listen"))
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ProxyConfig settings = config.proxy();
                        long idle = settings.idleTimeout().toMillis();
                        Duration headTimeout = settings.requestHeadTimeout();
                        clients.add(ch);
                        metrics.clientOpened();
                        ch.closeFuture().addListener(f -> metrics.clientClosed());
                        MethodAwareResponseEncoder encoder = new MethodAwareResponseEncoder();
                        RequestHeadDeadline deadline = new RequestHeadDeadline(headTimeout, HttpRequestDecoder.class);
                        ch.pipeline().addLast(LIMIT, limiter);
                        if (serverTls != null) {
                            ch.pipeline().addLast(TLS, serverTls.newHandler(ch.alloc()));
                        }
                        ch.pipeline()
                                .addLast(IDLE, new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS))
                                .addLast(HEAD_BYTES, deadline.bytes())
                                .addLast(DECODER, new StrictRequestDecoder(MAX_CHUNK))
                                .addLast(ENCODER, encoder)
                                .addLast(HEADS, deadline.heads())
                                .addLast(FrontendHandler.NAME, new FrontendHandler(() -> context, encoder, routes));
                    }
                });
        try {
            serverChannel = bootstrap.bind(config.listen().toSocketAddress()).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("cannot listen on " + config.listen() + ": " + e.getMessage(), e);
        }
        if (serverTls != null) {
            tlsWatch = serverTls.watch(tlsReloads != null ? tlsReloads : group.next());
        }
        log.info("proxy listening on {} ({} transport{})", address(), transport.name(), serverTls == null ? "" : ", TLS");
        return this;
    }

    private ProxyContext context(GatewayConfig c) {
        return new ProxyContext(c.proxy(), c.routing().stickyCookie(),
                RetryPolicy.of(c.routing().retries(), retryBudget, c.routing().tryTimeout().toMillis()), router, outcomes, pool,
                metrics, drain, tunnels, waiting, observer, watchBuffers, requestIds, rateLimits);
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

    /** "epoll" or "nio". */
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
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        group = null;
        return drained;
    }

    @Override
    public void close() {
        shutdown(config.proxy().shutdownGrace());
    }
}
