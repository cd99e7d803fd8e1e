package io.grafanaha.gateway.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The data plane's meters. Names follow DESIGN.md (Prometheus adds {@code _total} and
 * {@code _seconds}); methods outside the standard set are counted as OTHER so a client cannot
 * create unbounded label values. Counters whose label values are known up front (retries per backend
 * and cause, skipped retries per reason, observed edits per kind) are registered at 0 when the proxy
 * is built: Prometheus's {@code increase()} and alerts cannot see the first event of a series that
 * only appears with it.
 */
final class ProxyMetrics {
    /** Label for requests the gateway answered without a backend (503, 400...). */
    static final String NO_BACKEND = "none";
    /** Status label for exchanges the client abandoned before the response ended (nginx's 499). */
    static final int CLIENT_CLOSED = 499;

    /** The method labels: the standard methods, then OTHER for any other (a client cannot create label values). */
    private static final List<String> METHOD_NAMES = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE",
            "OTHER");
    /**
     * Buckets for a front door: a cached Grafana answer takes a millisecond, a heavy query tens of
     * seconds (Grafana's own data-proxy timeout is 30 s). A dozen buckets per backend instead of
     * Micrometer's ~69 percentile buckets keep the series count small enough to alert on.
     */
    static final List<Duration> DURATION_BUCKETS = List.of(Duration.ofMillis(1), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30));

    private final MeterRegistry registry;
    /** Per backend, its request counters and duration timer, resolved once ({@link RequestMeters}). */
    private final ConcurrentHashMap<String, RequestMeters> requestMeters = new ConcurrentHashMap<>();
    private final AtomicInteger tunnels = new AtomicInteger();

    /** A backend's counters at 0, at start or when a reload adds it. */
    void backendAdded(String backend) {
        for (RetryCause cause : RetryCause.values()) {
            retries(backend, cause);
        }
        requestDuration(backend);
    }
    private final AtomicInteger clientConnections = new AtomicInteger();

    ProxyMetrics(MeterRegistry registry, BackendPool pool) {
        this(registry, pool, List.of());
    }

    /** {@code backends}: the configured backend names, whose per-backend counters start at 0. */
    ProxyMetrics(MeterRegistry registry, BackendPool pool, List<String> backends) {
        this.registry = registry;
        backends.forEach(this::backendAdded);
        RetryPolicy.STAY_REASONS.forEach(this::retriesSkipped);
        editsRejected();
        editsUnobserved();
        editsDeferred();
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
                    .description("Netty buffer memory in use").tag("area", "direct").baseUnit("bytes").register(registry);
            Gauge.builder("gateway.netty.allocator.used", memory, ByteBufAllocatorMetric::usedHeapMemory)
                    .description("Netty buffer memory in use").tag("area", "heap").baseUnit("bytes").register(registry);
        }
        Gauge.builder("gateway.websocket.tunnels", tunnels, AtomicInteger::get)
                .description("WebSocket (and other upgraded) connections being relayed")
                .register(registry);
        Gauge.builder("gateway.client.connections", clientConnections, AtomicInteger::get)
                .description("Open client connections on the public listener")
                .register(registry);
    }

    void request(String backend, HttpMethod method, int status, long startNanos) {
        long elapsed = System.nanoTime() - startNanos;
        RequestMeters meters = requestMeters.computeIfAbsent(backend, this::requestMeters);
        meters.counter(method, status).increment();
        meters.duration.record(elapsed, TimeUnit.NANOSECONDS);
    }

    private RequestMeters requestMeters(String backend) {
        return new RequestMeters(backend, requestDuration(backend));
    }

    private Timer requestDuration(String backend) {
        return Timer.builder("gateway.request.duration")
                .description("Time from request headers to the end of the response")
                .tag("backend", backend)
                .serviceLevelObjectives(DURATION_BUCKETS.toArray(Duration[]::new))
                .register(registry);
    }

    private Counter requestCounter(String backend, String method, int status) {
        return Counter.builder("gateway.requests")
                .description("Requests answered, by backend, method and status")
                .tags("backend", backend, "method", method, "status", Integer.toString(status))
                .register(registry);
    }

    /**
     * One backend's request meters, each resolved from the registry once: building a meter with its tags on every
     * request (a builder, tag objects, the bucket array, a registry look-up) cost more CPU than counting it. Counters
     * are indexed by method and status code (100-599); anything else falls back to the registry, which finds the same
     * meter. The slots fill in racily from both event loops: a lost race registers the same meter twice, which the
     * registry answers with the one it has.
     */
    private final class RequestMeters {
        private static final int FIRST_STATUS = 100;
        private static final int STATUSES = 500;
        private final String backend;
        private final Timer duration;
        private final AtomicReferenceArray<Counter> counters = new AtomicReferenceArray<>(METHOD_NAMES.size() * STATUSES);

        RequestMeters(String backend, Timer duration) {
            this.backend = backend;
            this.duration = duration;
        }

        Counter counter(HttpMethod method, int status) {
            int m = METHOD_NAMES.indexOf(method.name());
            if (m < 0) {
                m = METHOD_NAMES.size() - 1; // OTHER
            }
            if (status < FIRST_STATUS || status >= FIRST_STATUS + STATUSES) {
                return requestCounter(backend, METHOD_NAMES.get(m), status);
            }
            int slot = m * STATUSES + status - FIRST_STATUS;
            Counter counter = counters.get(slot);
            if (counter == null) {
                counter = requestCounter(backend, METHOD_NAMES.get(m), status);
                counters.set(slot, counter);
            }
            return counter;
        }
    }

    /** A failed attempt on {@code backend} is being retried elsewhere. */
    void retry(String backend, RetryCause cause) {
        retries(backend, cause).increment();
    }

    private Counter retries(String backend, RetryCause cause) {
        return Counter.builder("gateway.retries")
                .description("Attempts retried on another backend, by the backend that failed and why")
                .tags("backend", backend, "cause", cause.label())
                .register(registry);
    }

    /** A failed attempt that could have been retried was not, e.g. because the retry budget is spent. */
    void retrySkipped(String reason) {
        retriesSkipped(reason).increment();
    }

    private Counter retriesSkipped(String reason) {
        return Counter.builder("gateway.retries.skipped")
                .description("Retryable failures that were not retried, by reason")
                .tag("reason", reason)
                .register(registry);
    }

    /** Exports {@code gateway_edits_observed_total} at 0 for each label the request observer may count under. */
    void editKinds(List<String> labels) {
        labels.forEach(this::editsObserved);
    }

    /** A watched Grafana write whose body was handed to the edit observer. */
    void editObserved(String kind) {
        editsObserved(kind).increment();
    }

    private Counter editsObserved(String kind) {
        return Counter.builder("gateway.edits.observed")
                .description("Grafana writes (dashboard and folder changes) seen by the edit observer, by kind")
                .tag("kind", kind)
                .register(registry);
    }

    /** The edit observer answered a write itself (the stale-version guard) instead of forwarding it. */
    void editRejected() {
        editsRejected().increment();
    }

    private Counter editsRejected() {
        return Counter.builder("gateway.edits.rejected")
                .description("Grafana writes the gateway answered itself, e.g. 412 for a stale dashboard version")
                .register(registry);
    }

    /** A watched write too big to buffer, forwarded without the observer. */
    void editUnobserved() {
        editsUnobserved().increment();
    }

    private Counter editsUnobserved() {
        return Counter.builder("gateway.edits.unobserved")
                .description("Grafana writes forwarded without observation because the body exceeded 10 MiB")
                .register(registry);
    }

    /** A watched write refused with 503 because the edits in progress already hold all they may ({@link WatchBuffers}). */
    void editDeferred() {
        editsDeferred().increment();
    }

    private Counter editsDeferred() {
        return Counter.builder("gateway.edits.deferred")
                .description("Grafana writes answered 503 (Retry-After) because edits being received already held the 64 MiB limit")
                .register(registry);
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

    /** The gateway sent an HTTP/2 client GOAWAY ({@code NO_ERROR} on shutdown or idle, anything else: the client broke a rule or a limit). */
    void http2GoAwaySent(String error) {
        Counter.builder("gateway.http2.goaways.sent")
                .description("HTTP/2 GOAWAY frames sent to clients, by error code")
                .tag("error", error)
                .register(registry)
                .increment();
    }

    /** The gateway reset one HTTP/2 stream (a refused stream over the concurrency limit, an oversized header list...). */
    void http2StreamReset(String error) {
        Counter.builder("gateway.http2.streams.reset")
                .description("HTTP/2 RST_STREAM frames sent to clients, by error code")
                .tag("error", error)
                .register(registry)
                .increment();
    }
}
