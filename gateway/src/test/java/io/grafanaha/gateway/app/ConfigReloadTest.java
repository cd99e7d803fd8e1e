package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.config.ConfigLoader;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /api/reload}: the file read again, validated like {@code check}, applied without dropping anyone. */
class ConfigReloadTest {
    private static final String TOKEN = "reload-test-admin-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<GrafanaEmulator> emulators = new ArrayList<>();
    private Path file;
    private Gateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        emulators.forEach(GrafanaEmulator::close);
    }

    private GrafanaEmulator emulator(String name) {
        GrafanaEmulator e = GrafanaEmulator.start(GrafanaEmulator.options().name(name));
        emulators.add(e);
        return e;
    }

    /** The emulators by their names, in this order (the first is the primary). */
    private static Map<String, GrafanaEmulator> backends(GrafanaEmulator... emulators) {
        Map<String, GrafanaEmulator> out = new java.util.LinkedHashMap<>();
        for (GrafanaEmulator e : emulators) {
            out.put(e.name(), e);
        }
        return out;
    }

    /** A file with {@code backends} (name to emulator) in {@code mode}, fast checks, and {@code extra} YAML after. */
    private String yaml(String mode, Map<String, GrafanaEmulator> backends, String extra) {
        StringBuilder y = new StringBuilder("""
                listen: 127.0.0.1:0
                admin:
                  listen: 127.0.0.1:0
                  token: "%s"
                mode: %s
                backends:
                """.formatted(TOKEN, mode));
        boolean first = true;
        for (var b : backends.entrySet()) {
            y.append("  - name: ").append(b.getKey()).append('\n')
                    .append("    url: ").append(b.getValue().url()).append('\n')
                    .append("    role: ").append(first ? "primary" : "replica").append('\n');
            first = false;
        }
        y.append("""
                health:
                  interval: 200ms
                  timeout: 5s
                  rise: 1
                  fall: 1
                failback:
                  require-sync: false
                """);
        return y.append(extra).toString();
    }

    private void start(String yaml) throws Exception {
        file = dir.resolve("gateway.yaml");
        Files.writeString(file, yaml);
        ConfigLoader loader = new ConfigLoader(Map.of());
        gateway = Gateway.create(file, loader.load(file), loader).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.health().ready());
    }

    private HttpResponse<String> reload(String yaml) throws Exception {
        Files.writeString(file, yaml);
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/api/reload"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> front(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode status() throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/api/status"))
                .build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    /** Opens a Grafana Live socket through the gateway; {@code closed} gets the close code (-1 on error). */
    private WebSocket live(GrafanaEmulator any, CompletableFuture<Integer> closed) throws Exception {
        return http.newWebSocketBuilder().header("Authorization", "Bearer " + any.token())
                .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/api/live/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closed.complete(statusCode);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket webSocket, Throwable error) {
                        closed.complete(-1);
                    }
                }).get(5, TimeUnit.SECONDS);
    }

    @Test
    void reloadsUnderLoadFailNoRequestAndLeaveTheLiveTunnelOpen() throws Exception {
        GrafanaEmulator a = emulator("grafana-a");
        GrafanaEmulator b = emulator("grafana-b");
        GrafanaEmulator c = emulator("grafana-c");
        start(yaml("failover", backends(a), ""));
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        live(a, closed);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.openWebSockets() == 1);

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger served = new AtomicInteger();
        Map<String, Integer> failures = new ConcurrentHashMap<>();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread client = new Thread(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<String> r = front("/api/health");
                        if (r.statusCode() == 200) {
                            served.incrementAndGet();
                        } else {
                            failures.merge("HTTP " + r.statusCode() + " " + r.body(), 1, Integer::sum);
                        }
                    } catch (IOException | InterruptedException e) {
                        failures.merge(e.toString(), 1, Integer::sum);
                    }
                }
            }, "load-" + i);
            client.setDaemon(true);
            client.start();
            clients.add(client);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> served.get() > 20);

        var map = new java.util.LinkedHashMap<String, GrafanaEmulator>();
        map.put("grafana-a", a);
        map.put("grafana-b", b);
        assertThat(reload(yaml("failover", map, "proxy:\n  response-timeout: 30s\n")).statusCode()).isEqualTo(200);
        map.put("grafana-c", c);
        assertThat(reload(yaml("failover", map, "rate-limits:\n  login: 5/min\nrouting:\n  retries: 2\n")).statusCode()).isEqualTo(200);
        map.remove("grafana-b");
        assertThat(reload(yaml("failover", map, "proxy:\n  connect-timeout: 1s\n")).statusCode()).isEqualTo(200);
        int before = served.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> served.get() > before + 20);

        running.set(false);
        for (Thread t : clients) {
            t.join(30_000);
        }
        assertThat(failures).isEmpty();
        assertThat(closed).isNotDone();
        assertThat(a.openWebSockets()).isEqualTo(1);
        assertThat(gateway.health().status().backends()).extracting(s -> s.name()).containsExactly("grafana-a", "grafana-c");
    }

    @Test
    void aBackendAddedByReloadGetsTrafficAndWhenRemovedItsTunnelIsClosedWithServiceRestart() throws Exception {
        GrafanaEmulator a = emulator("grafana-a");
        GrafanaEmulator b = emulator("grafana-b");
        start(yaml("load-balance", backends(a), ""));
        Map<String, GrafanaEmulator> both = backends(a, b);

        HttpResponse<String> added = reload(yaml("load-balance", both, ""));

        assertThat(added.statusCode()).isEqualTo(200);
        // routing too: routing.retries defaults to 1 once there is a second backend to retry on.
        assertThat(JSON.readTree(added.body()).path("applied").asText()).isEqualTo("backends +grafana-b, routing");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(front("/api/health").headers().firstValue(GrafanaEmulator.NAME_HEADER)).contains("grafana-b");
        });
        // Round robin: open sockets until one lands on grafana-b; those on grafana-a must survive its removal.
        CompletableFuture<Integer> closed = null;
        for (int i = 0; i < 10 && b.openWebSockets() == 0; i++) {
            int onB = b.openWebSockets();
            int onAll = a.openWebSockets() + onB;
            CompletableFuture<Integer> next = new CompletableFuture<>();
            live(a, next);
            await().atMost(Duration.ofSeconds(5)).until(() -> a.openWebSockets() + b.openWebSockets() == onAll + 1);
            closed = next;
        }
        assertThat(b.openWebSockets()).isEqualTo(1);
        int onA = a.openWebSockets();

        HttpResponse<String> removed = reload(yaml("load-balance", backends(a), ""));

        assertThat(removed.statusCode()).isEqualTo(200);
        assertThat(closed.get(5, TimeUnit.SECONDS)).isEqualTo(1012);
        await().atMost(Duration.ofSeconds(5)).until(() -> b.openWebSockets() == 0);
        assertThat(a.openWebSockets()).isEqualTo(onA);
        for (int i = 0; i < 10; i++) {
            assertThat(front("/api/health").headers().firstValue(GrafanaEmulator.NAME_HEADER)).contains("grafana-a");
        }
        assertThat(JSON.readTree(removed.body()).path("applied").asText()).isEqualTo("backends -grafana-b, routing");
        assertThat(status().path("events").toString()).contains("\"type\":\"removed\"", "\"type\":\"added\"");
    }

    @Test
    void theMetricsFollowAReloadThatSwitchesToFailoverAndThenSwapsThePrimary() throws Exception {
        GrafanaEmulator a = emulator("grafana-a");
        GrafanaEmulator b = emulator("grafana-b");
        start(yaml("load-balance", backends(a, b), ""));
        assertThat(metrics()).contains("gateway_backend_primary{backend=\"grafana-a\"} 0.0")
                .doesNotContain("gateway_failovers_total{");

        assertThat(reload(yaml("failover", backends(a, b), "")).statusCode()).isEqualTo(200);
        assertThat(metrics()).contains(
                "gateway_backend_primary{backend=\"grafana-a\"} 1.0",
                "gateway_backend_primary{backend=\"grafana-b\"} 0.0",
                "gateway_failovers_total{from=\"grafana-a\",reason=\"backend-down\",to=\"grafana-b\"} 0.0");

        assertThat(reload(yaml("failover", backends(b, a), "")).statusCode()).isEqualTo(200);
        assertThat(metrics()).contains(
                "gateway_backend_primary{backend=\"grafana-a\"} 0.0",
                "gateway_backend_primary{backend=\"grafana-b\"} 1.0",
                "gateway_failovers_total{from=\"grafana-a\",reason=\"primary-recovered\",to=\"grafana-b\"} 0.0");
    }

    private String metrics() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void aShorterResponseTimeoutAppliesToTheNextRequest() throws Exception {
        GrafanaEmulator a = emulator("grafana-a");
        start(yaml("failover", backends(a), "proxy:\n  response-timeout: 20s\n"));
        a.delay(Duration.ofMillis(1500));
        assertThat(front("/api/health").statusCode()).isEqualTo(200);

        assertThat(reload(yaml("failover", backends(a), "proxy:\n  response-timeout: 300ms\n")).statusCode())
                .isEqualTo(200);

        HttpResponse<String> late = front("/api/health");
        assertThat(late.statusCode()).isEqualTo(504);
        assertThat(late.body()).contains("300 ms");
    }

    @Test
    void anInvalidFileChangesNothingAndAnswersEveryProblemWithItsKeyAndLine() throws Exception {
        GrafanaEmulator a = emulator("grafana-a");
        GrafanaEmulator b = emulator("grafana-b");
        String good = yaml("failover", backends(a), "");
        start(good);
        String sha = status().path("config").path("sha256").asText();
        Map<String, GrafanaEmulator> both = backends(a, b);
        String bad = yaml("failover", both, "proxy:\n  response-timeout: soon\n");
        int line = bad.lines().toList().indexOf("  response-timeout: soon") + 1;

        HttpResponse<String> answer = reload(bad);

        assertThat(answer.statusCode()).isEqualTo(400);
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.path("result").asText()).isEqualTo("invalid");
        assertThat(body.path("problems").get(0).path("key").asText()).isEqualTo("proxy.response-timeout");
        assertThat(body.path("problems").get(0).path("line").asInt()).isEqualTo(line);
        assertThat(body.path("message").asText()).contains("proxy.response-timeout (line " + line + ")");
        assertThat(gateway.health().status().backends()).extracting(s -> s.name()).containsExactly("grafana-a");
        JsonNode config = status().path("config");
        assertThat(config.path("sha256").asText()).isEqualTo(sha).hasSize(64);
        assertThat(config.path("lastReload").path("result").asText()).isEqualTo("invalid");
        assertThat(status().path("events").toString()).contains("config-invalid", "proxy.response-timeout");
        assertThat(gateway.registry().scrape())
                .contains("gateway_config_reloads_total{result=\"invalid\"} 1.0")
                .contains("gateway_config_reloads_total{result=\"ok\"} 0.0")
                .contains("gateway_config_reloads_total{result=\"partial\"} 0.0");
    }

    @Test
    void keysThatNeedARestartAreNamedAndEverythingElseApplies() throws Exception {
        GrafanaEmulator a = emulator("grafana-a");
        GrafanaEmulator b = emulator("grafana-b");
        start(yaml("failover", backends(a), ""));
        Map<String, GrafanaEmulator> both = backends(a, b);
        String moved = yaml("failover", both, "proxy:\n  max-connections: 500\n")
                .replace("  listen: 127.0.0.1:0", "  listen: 127.0.0.1:1");

        HttpResponse<String> answer = reload(moved);

        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.path("result").asText()).isEqualTo("partial");
        // max-connections-per-client defaults to at most max-connections, so it changes with it.
        assertThat(body.path("message").asText()).endsWith("restart needed for: admin.listen, proxy.max-connections, proxy.max-connections-per-client");
        assertThat(gateway.health().status().backends()).extracting(s -> s.name()).containsExactly("grafana-a", "grafana-b");
        assertThat(status().path("config").path("sha256").asText()).isEqualTo(body.path("sha256").asText());
        // The next reload of the same file still says so: the running admin listener did not move.
        assertThat(JSON.readTree(reload(moved).body()).path("restartNeeded").toString()).contains("admin.listen");
        assertThat(gateway.registry().scrape()).contains("gateway_config_reloads_total{result=\"partial\"} 2.0");
    }
}
