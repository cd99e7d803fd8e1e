package io.grafanaha.gateway.admin;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.listener.AcceptBackoff;
import io.grafanaha.gateway.listener.ConnectionLimiter;
import io.grafanaha.gateway.listener.RequestHeadDeadline;
import io.grafanaha.health.Backend;
import io.grafanaha.health.HealthService;
import io.grafanaha.health.Router;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.grafanaha.gateway.tls.ServerTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutorGroup;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ops listener ({@code admin.listen}): liveness, readiness and Prometheus metrics. A small Netty
 * server of its own, apart from the data plane's event loops, so a saturated proxy still answers its
 * probes: one I/O thread that only reads and writes, and one thread that runs the handlers, so a handler
 * that takes its time (a scrape, the demo's edit) never stops the reading. Every connection has a deadline
 * for its request ({@code proxy.request-head-timeout}) and an idle timeout, requests are capped at
 * {@value #MAX_REQUEST_BYTES} bytes, and the listener holds {@value #MAX_CONNECTIONS} connections at most,
 * counted apart from the public listener's: one client holding a half-sent request, or a full front door,
 * never stops {@code /healthz} from answering.
 *
 * <pre>{@code
 * AdminServer admin = new AdminServer(config, router, registry).start();
 * }</pre>
 *
 * More endpoints (status, ops page, failover calls) can be added with {@link #route} before {@link #start}.
 */
public final class AdminServer implements AutoCloseable {
    static final int MAX_CONNECTIONS = 64;
    static final int MAX_CONNECTIONS_PER_CLIENT = 32;
    static final int MAX_REQUEST_BYTES = 128 * 1024;
    private static final long IDLE_SECONDS = 60;
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final GatewayConfig config;
    private final Router router;
    private final PrometheusMeterRegistry registry;
    private final Map<String, AdminHandler> routes = new LinkedHashMap<>();
    private final Map<String, AdminHandler> prefixRoutes = new LinkedHashMap<>();
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private EventLoopGroup io;
    private EventExecutorGroup handlers;
    private Channel serverChannel;
    private ServerTls tls;

    public AdminServer(GatewayConfig config, Router router, PrometheusMeterRegistry registry) {
        this.config = config;
        this.router = router;
        this.registry = registry;
        route("/healthz", this::healthz);
        route("/readyz", this::readyz);
        route("/metrics", this::metrics);
    }

    /** Adds (or replaces) the handler for one exact path. Only before {@link #start()}. */
    public synchronized AdminServer route(String path, AdminHandler handler) {
        requireNotStarted();
        routes.put(path, handler);
        return this;
    }

    /**
     * Adds the handler for every path under {@code prefix} (which ends with '/'), e.g. {@code /api/backends/}
     * for {@code /api/backends/NAME/drain}. Exact routes win; among prefixes the longest wins. Only before start.
     */
    public synchronized AdminServer routePrefix(String prefix, AdminHandler handler) {
        requireNotStarted();
        if (!prefix.endsWith("/")) {
            throw new IllegalArgumentException("a route prefix ends with '/': " + prefix);
        }
        prefixRoutes.put(prefix, handler);
        return this;
    }

    /** Serves {@code admin.listen} over TLS with this certificate holder (HTTP/1.1; reloads reach it). Before start. */
    public synchronized AdminServer tls(ServerTls shared) {
        requireNotStarted();
        this.tls = java.util.Objects.requireNonNull(shared, "shared");
        return this;
    }

    private void requireNotStarted() {
        if (serverChannel != null) {
            throw new IllegalStateException("routes must be added before start");
        }
    }

    public synchronized AdminServer start() {
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        io = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("admin-io", true), NioIoHandler.newFactory());
        handlers = new DefaultEventExecutorGroup(1, new DefaultThreadFactory("admin-http", true));
        AdminDispatch dispatch = new AdminDispatch(this::handlerFor);
        ConnectionLimiter limiter = new ConnectionLimiter("admin.listen", MAX_CONNECTIONS, MAX_CONNECTIONS_PER_CLIENT).bindTo(registry);
        var headTimeout = config.proxy().requestHeadTimeout();
        ServerTls serverTls = tls;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(io)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 128)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new AcceptBackoff("admin.listen"))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        RequestHeadDeadline deadline = new RequestHeadDeadline(headTimeout, HttpServerCodec.class);
                        ch.pipeline().addLast("limit", limiter);
                        if (serverTls != null) {
                            ch.pipeline().addLast("tls", serverTls.newHttp1Handler(ch.alloc()));
                        }
                        ch.pipeline()
                                .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                                .addLast("head-bytes", deadline.bytes())
                                .addLast("codec", new HttpServerCodec(4096, 8192, 8192))
                                .addLast("aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                .addLast("heads", deadline.heads())
                                .addLast(handlers, "dispatch", dispatch);
                    }
                });
        try {
            serverChannel = bootstrap.bind(config.admin().listen().toSocketAddress()).syncUninterruptibly().channel();
        } catch (Exception e) { // a failed bind is Netty's undeclared IOException (BindException), not a RuntimeException
            shutdownGroups();
            throw new IllegalStateException("cannot listen on admin.listen " + config.admin().listen() + ": " + e.getMessage(), e);
        }
        log.info("admin listening on {}{}", address(), serverTls == null ? "" : " (TLS)");
        return this;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    private AdminHandler handlerFor(String path) {
        AdminHandler exact = routes.get(path);
        if (exact != null) {
            return exact;
        }
        String best = null;
        for (String prefix : prefixRoutes.keySet()) {
            if (path.startsWith(prefix) && path.length() > prefix.length() && (best == null || prefix.length() > best.length())) {
                best = prefix;
            }
        }
        return best == null ? null : prefixRoutes.get(best);
    }

    private void healthz(AdminExchange exchange) {
        if (!readOnly(exchange)) {
            return;
        }
        send(exchange, 200, "text/plain; charset=utf-8", "ok\n");
    }

    private void readyz(AdminExchange exchange) {
        if (!readOnly(exchange)) {
            return;
        }
        List<Backend> routable = router.routable();
        // The health service also counts the last resort and a primary still awaited; other routers have only the list.
        boolean ready = router instanceof HealthService health ? health.ready() : !routable.isEmpty();
        if (!ready) {
            send(exchange, 503, "application/json", "{\"message\":\"no Grafana backend is routable\"}");
            return;
        }
        String names = String.join(",", routable.stream().map(b -> "\"" + b.name() + "\"").toList());
        send(exchange, 200, "application/json", "{\"ready\":true,\"routable\":[" + names + "]}");
    }

    private void metrics(AdminExchange exchange) {
        if (!readOnly(exchange)) {
            return;
        }
        send(exchange, 200, PROMETHEUS_TEXT, registry.scrape());
    }

    private static boolean readOnly(AdminExchange exchange) {
        String method = exchange.method();
        if (method.equals("GET") || method.equals("HEAD")) {
            return true;
        }
        exchange.responseHeader("Allow", "GET, HEAD");
        send(exchange, 405, "application/json", "{\"message\":\"method not allowed\"}");
        return false;
    }

    private static void send(AdminExchange exchange, int status, String contentType, String body) {
        exchange.responseHeader("Cache-Control", "no-store").send(status, contentType, body);
    }

    @Override
    public synchronized void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
            serverChannel = null;
        }
        shutdownGroups();
        gcMetrics.close();
    }

    private void shutdownGroups() {
        if (io != null) {
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            io = null;
        }
        if (handlers != null) {
            handlers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            handlers = null;
        }
    }
}
