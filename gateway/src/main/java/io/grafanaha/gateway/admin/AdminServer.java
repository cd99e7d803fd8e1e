package io.grafanaha.gateway.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.grafanaha.gateway.config.GatewayConfig;
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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ops listener ({@code admin.listen}): liveness, readiness and Prometheus metrics. Admin traffic is
 * a few requests a minute from probes and scrapers, so the JDK's HTTP server on one thread is enough
 * and keeps it apart from the data plane's event loops: a saturated proxy still answers its probes.
 *
 * <pre>{@code
 * AdminServer admin = new AdminServer(config, router, registry).start();
 * }</pre>
 *
 * More endpoints (status, ops page, failover calls) can be added with {@link #route} before {@link #start}.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final GatewayConfig config;
    private final Router router;
    private final PrometheusMeterRegistry registry;
    private final Map<String, HttpHandler> routes = new LinkedHashMap<>();
    private final Map<String, HttpHandler> prefixRoutes = new LinkedHashMap<>();
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private HttpServer server;
    private ExecutorService executor;

    public AdminServer(GatewayConfig config, Router router, PrometheusMeterRegistry registry) {
        this.config = config;
        this.router = router;
        this.registry = registry;
        route("/healthz", this::healthz);
        route("/readyz", this::readyz);
        route("/metrics", this::metrics);
    }

    /** Adds (or replaces) the handler for one exact path. Only before {@link #start()}. */
    public synchronized AdminServer route(String path, HttpHandler handler) {
        if (server != null) {
            throw new IllegalStateException("routes must be added before start");
        }
        routes.put(path, handler);
        return this;
    }

    /**
     * Adds the handler for every path under {@code prefix} (which ends with '/'), e.g. {@code /api/backends/}
     * for {@code /api/backends/NAME/drain}. Exact routes win; among prefixes the longest wins. Only before start.
     */
    public synchronized AdminServer routePrefix(String prefix, HttpHandler handler) {
        if (server != null) {
            throw new IllegalStateException("routes must be added before start");
        }
        if (!prefix.endsWith("/")) {
            throw new IllegalArgumentException("a route prefix ends with '/': " + prefix);
        }
        prefixRoutes.put(prefix, handler);
        return this;
    }

    public synchronized AdminServer start() {
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        try {
            server = HttpServer.create(config.admin().listen().toSocketAddress(), 50);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on admin.listen " + config.admin().listen() + ": " + e.getMessage(), e);
        }
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "admin-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::dispatch);
        server.start();
        log.info("admin listening on {}", address());
        return this;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public int port() {
        return address().getPort();
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        try (exchange) {
            HttpHandler handler = handlerFor(exchange.getRequestURI().getPath());
            if (handler == null) {
                send(exchange, 404, "application/json", "{\"message\":\"not found\"}");
                return;
            }
            handler.handle(exchange);
        }
    }

    private HttpHandler handlerFor(String path) {
        HttpHandler exact = routes.get(path);
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

    private void healthz(HttpExchange exchange) throws IOException {
        if (!readOnly(exchange)) {
            return;
        }
        send(exchange, 200, "text/plain; charset=utf-8", "ok\n");
    }

    private void readyz(HttpExchange exchange) throws IOException {
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

    private void metrics(HttpExchange exchange) throws IOException {
        if (!readOnly(exchange)) {
            return;
        }
        send(exchange, 200, PROMETHEUS_TEXT, registry.scrape());
    }

    private static boolean readOnly(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if (method.equals("GET") || method.equals("HEAD")) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "application/json", "{\"message\":\"method not allowed\"}");
        return false;
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            server = null;
        }
        gcMetrics.close();
    }
}
