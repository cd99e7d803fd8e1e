package io.grafanaha.testkit.bench;

import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An open-loop GET load: a request every {@code 1/rate} s whether or not earlier ones answered (a
 * closed loop would stop sending while the gateway hangs and hide exactly what a failover benchmark
 * measures). Every request is recorded as a CSV line: start (epoch microseconds), latency
 * (microseconds), status (0 = no response), the {@code X-Grafana-Emulator} that answered, and the error.
 *
 * <p>{@code java -cp grafana-ha-gateway.jar io.grafanaha.testkit.bench.PacedLoad --url URL --rate 500
 * --seconds 20 --out load.csv [--timeout-seconds 90]}
 */
public final class PacedLoad {
    private record Result(long startMicros, long latencyMicros, int status, String servedBy, String error) {}

    private PacedLoad() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = Args.parse(args, "url", "rate", "seconds", "out");
        URI url = URI.create(a.get("url"));
        int rate = Integer.parseInt(a.get("rate"));
        long seconds = Long.parseLong(a.get("seconds"));
        Duration timeout = Duration.ofSeconds(Long.parseLong(a.getOrDefault("timeout-seconds", "90")));
        Path out = Path.of(a.get("out"));

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).GET().build();
        ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
        AtomicInteger inFlight = new AtomicInteger();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
        ticker.scheduleAtFixedRate(() -> {
            Instant now = Instant.now();
            long startMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
            long start = System.nanoTime();
            inFlight.incrementAndGet();
            http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                long micros = (System.nanoTime() - start) / 1_000;
                results.add(response != null
                        ? new Result(startMicros, micros, response.statusCode(),
                                response.headers().firstValue(GrafanaEmulator.NAME_HEADER).orElse("-"), "")
                        : new Result(startMicros, micros, 0, "-", String.valueOf(error).replace(',', ';')));
                inFlight.decrementAndGet();
            });
        }, 0, periodNanos, TimeUnit.NANOSECONDS);
        ticker.awaitTermination(seconds, TimeUnit.SECONDS);
        ticker.shutdownNow();
        long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.SECONDS.toNanos(5);
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            ticker.awaitTermination(50, TimeUnit.MILLISECONDS); // already terminated: a plain wait for stragglers
        }
        List<Result> all = new ArrayList<>(results);
        all.sort((x, y) -> Long.compare(x.startMicros(), y.startMicros()));
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            w.println("start_us,latency_us,status,served_by,error");
            for (Result r : all) {
                w.println(r.startMicros() + "," + r.latencyMicros() + "," + r.status() + "," + r.servedBy() + "," + r.error());
            }
        } catch (IOException e) {
            System.err.println("cannot write " + out + ": " + e.getMessage());
            System.exit(1);
        }
        System.out.println("sent " + all.size() + " GETs to " + url + " (" + inFlight.get() + " still unanswered), wrote " + out);
        System.exit(0);
    }
}
