package io.grafanaha.gateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import eu.rekawek.toxiproxy.Proxy;
import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.health.BackendStatus;
import io.grafanaha.health.routing.RoutingEvent;
import io.grafanaha.testkit.faults.Toxiproxies;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Two Grafana emulators, each behind its own Toxiproxy proxy, and a failover gateway whose backends
 * are the proxies' listen ports: the faults a test injects sit between the gateway and Grafana, where
 * a network would put them. Short health settings (interval 200 ms, timeout 400 ms, rise 2, fall 2).
 */
final class FailoverRig implements AutoCloseable {
    static final String PRIMARY = "grafana-a";
    static final String REPLICA = "grafana-b";
    static final String ADMIN_TOKEN = "failbench-admin-token";
    /**
     * Far below the faults' 5 s latency, yet above what a check takes on a loaded 2-core CI machine: at 150 ms two
     * checks in a row missed it there, the healthy primary went down and the scenario never started from it.
     */
    static final Duration HEALTH_TIMEOUT = Duration.ofMillis(400);

    final Rig rig;
    final GrafanaEmulator primary;
    final GrafanaEmulator replica;
    final Toxiproxies toxiproxies;
    final Map<String, Proxy> proxies = new HashMap<>();
    final Proxy toPrimary;
    final Proxy toReplica;
    final Gateway gateway;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private FailoverRig(String failbackMode, Duration hold, Duration responseTimeout) throws Exception {
        toxiproxies = Toxiproxies.connect();
        rig = Rig.builder().adminToken(ADMIN_TOKEN).withoutApiTokens()
                .backendUrl(emulator -> "http://" + proxyTo(emulator).getListen())
                .settings("""
                        health:
                          interval: 200ms
                          timeout: %dms
                          rise: 2
                          fall: 2
                        failback:
                          mode: %s
                          require-sync: false
                          hold: %dms
                        routing:
                          retries: 1
                        proxy:
                          response-timeout: %dms
                        """.formatted(HEALTH_TIMEOUT.toMillis(), failbackMode, hold.toMillis(), responseTimeout.toMillis()))
                .start();
        primary = rig.a();
        replica = rig.b();
        gateway = rig.startGateway();
        toPrimary = proxies.get(PRIMARY);
        toReplica = proxies.get(REPLICA);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(gateway.health().status().backends()).extracting(BackendStatus::state).containsOnly("up"));
        if (!PRIMARY.equals(active())) {
            // A cold JVM's first check can miss the timeout, so the replica may come up first and
            // take the traffic; every scenario starts from the primary serving.
            gateway.health().failback();
        }
        awaitActive(PRIMARY, Duration.ofSeconds(2));
        warmUp(2000);
    }

    /** The Toxiproxy proxy in front of {@code emulator}, created on first use. */
    private Proxy proxyTo(GrafanaEmulator emulator) {
        return proxies.computeIfAbsent(emulator.name(), name -> {
            try {
                return toxiproxies.client().createProxy(name, "127.0.0.1:0", "127.0.0.1:" + emulator.port());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static FailoverRig autoFailback(Duration hold) throws Exception {
        return new FailoverRig("auto", hold, Duration.ofSeconds(60));
    }

    static FailoverRig manualFailback() throws Exception {
        return new FailoverRig("manual", Duration.ZERO, Duration.ofSeconds(60));
    }

    static FailoverRig withResponseTimeout(Duration responseTimeout) throws Exception {
        return new FailoverRig("auto", Duration.ZERO, responseTimeout);
    }

    URI gatewayUri(String path) {
        return URI.create("http://127.0.0.1:" + gateway.port() + path);
    }

    /** GETs of {@code /api/health} through the gateway, one every 5 ms (200 per second). */
    LoadClient startLoad() {
        return LoadClient.start(gatewayUri("/api/health"), Duration.ofMillis(5), Duration.ofSeconds(20));
    }

    /**
     * Serves {@code n} GETs, 50 at a time, before a scenario starts: the retry budget allows retries
     * up to 20% of the requests of the last 10 s, so a gateway that has served 1000 (as one in service
     * for a while has) may retry 200, more than detection at 200 GETs per second can need. Without it
     * a gateway started a second ago refuses most retries, which is the budget doing its job.
     */
    void warmUp(int n) {
        HttpRequest get = HttpRequest.newBuilder(gatewayUri("/api/health")).build();
        for (int sent = 0; sent < n; sent += 50) {
            java.util.concurrent.CompletableFuture.allOf(java.util.stream.IntStream.range(0, 50)
                    .mapToObj(i -> http.sendAsync(get, HttpResponse.BodyHandlers.discarding()))
                    .toArray(java.util.concurrent.CompletableFuture[]::new)).join();
        }
    }

    /** Attempts retried on another backend (or moved off a backend marked down) so far. */
    double retries() {
        return gateway.registry().find("gateway.retries").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    String active() {
        List<String> active = gateway.health().status().active();
        return active.isEmpty() ? null : active.get(0);
    }

    String state(String backend) {
        return gateway.health().status().backends().stream().filter(b -> b.name().equals(backend))
                .findFirst().orElseThrow().state();
    }

    void awaitActive(String backend, Duration atMost) {
        await().atMost(atMost).until(() -> backend.equals(active()));
    }

    /** The last event of {@code type}, if any. */
    <T extends RoutingEvent> Optional<T> lastEvent(Class<T> type) {
        List<RoutingEvent> events = gateway.health().status().events();
        for (int i = events.size() - 1; i >= 0; i--) {
            if (type.isInstance(events.get(i))) {
                return Optional.of(type.cast(events.get(i)));
            }
        }
        return Optional.empty();
    }

    Instant failoverAt() {
        return lastEvent(RoutingEvent.Failover.class).orElseThrow(() -> new AssertionError("no failover event")).at();
    }

    HttpResponse<String> postAdmin(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The retry counters, for a failure message that says why a request was not retried. */
    String retryMetrics() {
        return gateway.registry().scrape().lines().filter(l -> l.startsWith("gateway_retries"))
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    @Override
    public void close() {
        try {
            rig.close();
            toPrimary.delete();
            toReplica.delete();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            toxiproxies.close();
        }
    }
}
