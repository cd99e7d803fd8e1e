package io.grafanaha.gateway.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The data plane's meters. Names follow DESIGN.md (Prometheus adds {@code _total} and
 * {@code _seconds}); methods outside the standard set are counted as OTHER so a client cannot
 * create unbounded label values.
 */
final class ProxyMetrics {
    /** Label for requests the gateway answered without a backend (503, 400...). */
    static final String NO_BACKEND = "none";
    /** Status label for exchanges the client abandoned before the response ended (nginx's 499). */
    static final int CLIENT_CLOSED = 499;

    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE");

    private final MeterRegistry registry;
    private final AtomicInteger tunnels = new AtomicInteger();
    private final AtomicInteger clientConnections = new AtomicInteger();

    ProxyMetrics(MeterRegistry registry, BackendPool pool) {
        this.registry = registry;
        Gauge.builder("gateway.backend.connections.open", pool, BackendPool::openConnections)
                .description("TCP connections from the gateway to backends, idle or in use")
                .register(registry);
        Gauge.builder("gateway.backend.connections.idle", pool, BackendPool::idleConnections)
                .description("Pooled backend connections waiting for a request")
                .register(registry);
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            // Netty's buffer memory: flat under load when backpressure works, growing when it does not.
            ByteBufAllocatorMetric memory = provider.metric();
            Gauge.builder("gateway.netty.allocator.used", memory, ByteBufAllocatorMetric::usedDirectMemory)
                    .tag("area", "direct").baseUnit("bytes").register(registry);
            Gauge.builder("gateway.netty.allocator.used", memory, ByteBufAllocatorMetric::usedHeapMemory)
                    .tag("area", "heap").baseUnit("bytes").register(registry);
        }
        Gauge.builder("gateway.websocket.tunnels", tunnels, AtomicInteger::get)
                .description("WebSocket (and other upgraded) connections being relayed")
                .register(registry);
        Gauge.builder("gateway.client.connections", clientConnections, AtomicInteger::get)
                .description("Open client connections on the public listener")
                .register(registry);
    }

    void request(String backend, HttpMethod method, int status, long startNanos) {
        String m = METHODS.contains(method.name()) ? method.name() : "OTHER";
        Counter.builder("gateway.requests")
                .description("Requests answered, by backend, method and status")
                .tags("backend", backend, "method", m, "status", Integer.toString(status))
                .register(registry)
                .increment();
        Timer.builder("gateway.request.duration")
                .description("Time from request headers to the end of the response")
                .tag("backend", backend)
                .publishPercentileHistogram()
                .register(registry)
                .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    /** A failed attempt on {@code backend} is being retried elsewhere. */
    void retry(String backend, RetryCause cause) {
        Counter.builder("gateway.retries")
                .description("Attempts retried on another backend, by the backend that failed and why")
                .tags("backend", backend, "cause", cause.label())
                .register(registry)
                .increment();
    }

    /** A failed attempt that could have been retried was not, e.g. because the retry budget is spent. */
    void retrySkipped(String reason) {
        Counter.builder("gateway.retries.skipped")
                .description("Retryable failures that were not retried, by reason")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    /** A watched Grafana write whose body was handed to the edit observer. */
    void editObserved(String kind) {
        Counter.builder("gateway.edits.observed")
                .description("Grafana writes (dashboard and folder changes) seen by the edit observer, by kind")
                .tag("kind", kind)
                .register(registry)
                .increment();
    }

    /** The edit observer answered a write itself (the stale-version guard) instead of forwarding it. */
    void editRejected() {
        Counter.builder("gateway.edits.rejected")
                .description("Grafana writes the gateway answered itself, e.g. 412 for a stale dashboard version")
                .register(registry)
                .increment();
    }

    /** A watched write too big to buffer, forwarded without the observer. */
    void editUnobserved() {
        Counter.builder("gateway.edits.unobserved")
                .description("Grafana writes forwarded without observation because the body exceeded 10 MiB")
                .register(registry)
                .increment();
    }

    void tunnelOpened() {
        tunnels.incrementAndGet();
    }

    void tunnelClosed() {
        tunnels.decrementAndGet();
    }

    void clientOpened() {
        clientConnections.incrementAndGet();
    }

    void clientClosed() {
        clientConnections.decrementAndGet();
    }
}
