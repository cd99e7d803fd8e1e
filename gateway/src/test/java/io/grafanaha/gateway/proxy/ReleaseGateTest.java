package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.health.Backend;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A watched request's response waits for its observer's release gate before the client gets it. */
class ReleaseGateTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final GrafanaEmulator grafana = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
    private final List<Integer> observed = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> gate = new CompletableFuture<>();
    private ProxyServer proxy;

    /** Watches dashboard saves; every response's gate is {@link #gate}. */
    private final RequestObserver observer = new RequestObserver() {
        @Override
        public Optional<String> watches(String method, String path) {
            return method.equals("POST") && path.equals("/api/dashboards/db") ? Optional.of("dashboard-save") : Optional.empty();
        }

        @Override
        public Verdict onRequest(Backend backend, ObservedRequest request) {
            return new Verdict.Forward((answered, status, body) -> {
                observed.add(status);
                return gate;
            });
        }
    };

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.shutdown(Duration.ZERO);
        }
        grafana.close();
    }

    private void start(Duration responseTimeout) {
        GatewayConfig config = ConfigFixture.gateway().responseTimeout(responseTimeout).backend("grafana-a", grafana.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).observer(observer).start();
    }

    private CompletableFuture<HttpResponse<String>> save(String uid) {
        String body = "{\"dashboard\":{\"uid\":\"" + uid + "\",\"title\":\"Dash " + uid + "\"},\"overwrite\":false}";
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/api/dashboards/db"))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + grafana.token())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Grafana has saved the dashboard and the observer has its 200: only the gate stands between it and the client. */
    private void awaitHeldAtTheGate(String uid, CompletableFuture<HttpResponse<String>> response) {
        await().atMost(Duration.ofSeconds(5)).until(() -> grafana.dashboard(uid).isPresent() && observed.contains(200));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> !response.isDone());
    }

    @Test
    void theClientGetsASavesAnswerOnlyOnceTheObserversGateOpens() throws Exception {
        start(Duration.ofSeconds(30));

        CompletableFuture<HttpResponse<String>> response = save("d1");
        awaitHeldAtTheGate("d1", response);
        gate.complete(null);

        HttpResponse<String> answered = response.get(5, TimeUnit.SECONDS);
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(answered.body()).contains("\"uid\":\"d1\"");
        // The connection serves the next save as usual (the gate is open now, so it passes at once).
        assertThat(save("d2").get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(proxy.inFlight()).isZero();
    }

    @Test
    void aGateThatFailsStillLetsTheAnswerThrough() throws Exception {
        start(Duration.ofSeconds(30));

        CompletableFuture<HttpResponse<String>> response = save("d1");
        awaitHeldAtTheGate("d1", response);
        gate.completeExceptionally(new IllegalStateException("journal is full"));

        HttpResponse<String> answered = response.get(5, TimeUnit.SECONDS);
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(answered.body()).contains("\"uid\":\"d1\"");
    }

    @Test
    void aGateThatNeverOpensHoldsTheAnswerForTheResponseTimeoutAtMost() throws Exception {
        start(Duration.ofSeconds(2));
        long started = System.nanoTime();

        CompletableFuture<HttpResponse<String>> response = save("d1");
        awaitHeldAtTheGate("d1", response);

        HttpResponse<String> answered = response.get(10, TimeUnit.SECONDS);
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(answered.body()).contains("\"uid\":\"d1\"");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.inFlight() == 0);
    }

    @Test
    void aClientThatLeavesWhileHeldLeavesNothingBehind() throws Exception {
        start(Duration.ofSeconds(30));
        String body = "{\"dashboard\":{\"uid\":\"left\",\"title\":\"Left\"}}";

        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.getOutputStream().write(("POST /api/dashboards/db HTTP/1.1\r\nHost: g\r\nAuthorization: Bearer " + grafana.token()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> observed.contains(200));
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.inFlight() == 0);
        gate.complete(null);
        assertThat(proxy.inFlight()).isZero();
    }
}
