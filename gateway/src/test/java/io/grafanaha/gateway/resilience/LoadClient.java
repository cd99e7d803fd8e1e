package io.grafanaha.gateway.resilience;

import static org.awaitility.Awaitility.await;

import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A steady stream of GETs through the gateway, one every {@code period}, each started on schedule
 * whether or not earlier ones have answered (as users do), and each recorded: when it started, how
 * long it took, its status (0 = no response) and which emulator answered.
 */
final class LoadClient implements AutoCloseable {
    /** One request; {@code status} 0 means no HTTP response (the {@code error} says why). */
    record Result(Instant started, long latencyNanos, int status, String servedBy, String error) {
        boolean ok() {
            return status == 200;
        }

        Duration latency() {
            return Duration.ofNanos(latencyNanos);
        }

        Instant ended() {
            return started.plusNanos(latencyNanos);
        }

        @Override
        public String toString() {
            return started + " " + (status == 0 ? error : status + " from " + servedBy) + " in " + latency().toMillis() + " ms";
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "load-client");
        t.setDaemon(true);
        return t;
    });
    private final ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final HttpRequest request;

    private LoadClient(URI uri, Duration timeout) {
        this.request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    }

    /** Starts sending GETs to {@code uri} at once; each waits at most {@code timeout} for its answer. */
    static LoadClient start(URI uri, Duration period, Duration timeout) {
        LoadClient client = new LoadClient(uri, timeout);
        client.ticker.scheduleAtFixedRate(client::send, 0, period.toNanos(), TimeUnit.NANOSECONDS);
        return client;
    }

    private void send() {
        Instant started = Instant.now();
        long start = System.nanoTime();
        inFlight.incrementAndGet();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            long took = System.nanoTime() - start;
            results.add(response != null
                    ? new Result(started, took, response.statusCode(),
                            response.headers().firstValue(GrafanaEmulator.NAME_HEADER).orElse("?"), null)
                    : new Result(started, took, 0, null, String.valueOf(error)));
            inFlight.decrementAndGet();
        });
    }

    /** Waits until {@code count} requests answered by {@code backend} have been recorded. */
    void awaitServedBy(String backend, int count, Duration atMost) {
        await().atMost(atMost).until(() -> results().stream().filter(r -> r.ok() && backend.equals(r.servedBy())).count() >= count);
    }

    /** Stops sending and waits for every request in flight to end. */
    List<Result> stop() {
        ticker.shutdownNow();
        await().atMost(Duration.ofSeconds(15)).until(() -> inFlight.get() == 0);
        return results();
    }

    List<Result> results() {
        List<Result> all = new ArrayList<>(results);
        all.sort((x, y) -> x.started().compareTo(y.started()));
        return all;
    }

    static List<Result> matching(List<Result> results, Predicate<Result> p) {
        return results.stream().filter(p).toList();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
