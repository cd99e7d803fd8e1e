package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.health.Backend;
import io.grafanaha.health.Outcome;
import io.grafanaha.health.RouteRequest;
import io.grafanaha.health.Router;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RetryTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
    private final List<String> outcomes = new CopyOnWriteArrayList<>();
    private final List<RouteRequest> routeRequests = new CopyOnWriteArrayList<>();
    private GrafanaEmulator a;
    private GrafanaEmulator b;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(0, resource);
        return resource;
    }

    private ProxyServer twoEmulators(ConfigFixture fixture) {
        return twoEmulators(fixture, null);
    }

    private ProxyServer twoEmulators(ConfigFixture fixture, RetryBudget budget) {
        a = track(GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a")));
        b = track(GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b")));
        GatewayConfig config = fixture.backend("grafana-a", a.port()).backend("grafana-b", b.port()).build();
        Router router = ConfigFixture.staticRouter(config);
        Router recording = new Router() {
            @Override
            public Optional<io.grafanaha.health.Route> pick(RouteRequest request) {
                routeRequests.add(request);
                return router.pick(request);
            }

            @Override
            public List<Backend> routable() {
                return router.routable();
            }
        };
        ProxyServer proxy = new ProxyServer(config, recording, registry, (backend, outcome) -> outcomes.add(backend.name() + ":" + outcome));
        if (budget != null) {
            proxy.retryBudget(budget);
        }
        return track(proxy.start());
    }

    private HttpResponse<String> send(ProxyServer proxy, String method, String path, HttpRequest.BodyPublisher body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path))
                .header("Authorization", "Bearer " + a.token())
                .method(method, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(ProxyServer proxy, String path) throws Exception {
        return send(proxy, "GET", path, HttpRequest.BodyPublishers.noBody());
    }

    private double retries(String backend, String cause) {
        Counter c = registry.find("gateway.retries").tags("backend", backend, "cause", cause).counter();
        return c == null ? 0 : c.count();
    }

    private double retriesTotal() {
        return registry.find("gateway.retries").counters().stream().mapToDouble(Counter::count).sum();
    }

    private double skipped(String reason) {
        Counter c = registry.find("gateway.retries.skipped").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void getToAStoppedPrimaryIsAnsweredByTheReplica() throws Exception {
        ProxyServer proxy = twoEmulators(ConfigFixture.gateway());
        a.stop();

        HttpResponse<String> response = get(proxy, "/api/search");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(b.requestCount("/api/search")).isEqualTo(1);
        assertThat(retries("grafana-a", "connect-refused")).isEqualTo(1.0);
        assertThat(outcomes).containsExactly("grafana-a:CONNECT_REFUSED", "grafana-b:SUCCESS");
    }

    @Test
    void postThatNeverReachedTheBackendIsRetried() throws Exception {
        ProxyServer proxy = twoEmulators(ConfigFixture.gateway());
        a.stop();

        HttpResponse<String> response = send(proxy, "POST", "/api/dashboards/db",
                HttpRequest.BodyPublishers.ofString("{\"dashboard\":{\"title\":\"t\"},\"overwrite\":true}"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(b.lastRequest()).hasValueSatisfying(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(new String(r.body())).contains("\"title\":\"t\"");
        });
        assertThat(retries("grafana-a", "connect-refused")).isEqualTo(1.0);
    }

    @Test
    void postThatGot503IsNotRetried() throws Exception {
        ProxyServer proxy = twoEmulators(ConfigFixture.gateway());
        a.inject5xx(503, 1);

        HttpResponse<String> response = send(proxy, "POST", "/api/dashboards/db",
                HttpRequest.BodyPublishers.ofString("{\"dashboard\":{\"title\":\"t\"}}"));

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(a.requestCount("/api/dashboards/db")).isEqualTo(1);
        assertThat(b.requestCount()).isZero();
        assertThat(retriesTotal()).isZero();
        assertThat(skipped("unsafe-method")).isEqualTo(1.0);
        assertThat(outcomes).containsExactly("grafana-a:GATEWAY_STATUS");
    }

    @Test
    void getThatGot503IsRetriedOnTheOtherBackend() throws Exception {
        ProxyServer proxy = twoEmulators(ConfigFixture.gateway());
        a.inject5xx(503, 1);

        HttpResponse<String> response = get(proxy, "/api/search");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(a.requestCount("/api/search")).isEqualTo(1);
        assertThat(b.requestCount("/api/search")).isEqualTo(1);
        assertThat(retries("grafana-a", "status-503")).isEqualTo(1.0);
        assertThat(outcomes).containsExactly("grafana-a:GATEWAY_STATUS", "grafana-b:SUCCESS");
    }

    @Test
    void theLastAttemptsGatewayStatusReachesTheClient() throws Exception {
        ProxyServer proxy = twoEmulators(ConfigFixture.gateway());
        a.inject5xx(502, 1);
        b.inject5xx(502, 1);

        HttpResponse<String> response = get(proxy, "/api/search");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(a.requestCount("/api/search") + b.requestCount("/api/search")).isEqualTo(2);
        assertThat(skipped("attempts-exhausted")).isEqualTo(1.0);
    }

    @Test
    void getWithABodyOverTheReplayCapIsNotRetried() throws Exception {
        ProxyServer proxy = twoEmulators(ConfigFixture.gateway());
        a.inject5xx(503, 1);

        HttpResponse<String> response = send(proxy, "GET", "/api/search",
                HttpRequest.BodyPublishers.ofByteArray(new byte[100 * 1024]));

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(b.requestCount()).isZero();
        assertThat(skipped("body-not-replayable")).isEqualTo(1.0);
    }

    @Test
    void getWithASmallBodyIsRetriedWithTheSameBody() throws Exception {
        ProxyServer proxy = twoEmulators(ConfigFixture.gateway());
        a.inject5xx(503, 1);

        HttpResponse<String> response = send(proxy, "GET", "/api/search", HttpRequest.BodyPublishers.ofString("x".repeat(1000)));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(b.lastRequest()).hasValueSatisfying(r -> assertThat(r.body()).hasSize(1000));
    }

    @Test
    void aGetUnansweredWithinTheTryTimeoutIsAnsweredByTheOtherBackendWithoutBlamingTheSlowOne() throws Exception {
        ProxyServer proxy = twoEmulators(ConfigFixture.gateway().responseTimeout(Duration.ofSeconds(20))
                .tryTimeout(Duration.ofMillis(300)));
        a.hang(true);
        long started = System.nanoTime();

        HttpResponse<String> response = get(proxy, "/api/search");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Grafana-Emulator")).contains("grafana-b");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("far from the 20 s response timeout")
                .isLessThan(Duration.ofSeconds(10));
        assertThat(retries("grafana-a", "try-timeout")).isEqualTo(1.0);
        assertThat(outcomes).as("a slow answer is not a failure").doesNotContain("grafana-a:RESPONSE_TIMEOUT");
    }

    @Test
    void theTryTimeoutNeverMovesAPost() throws Exception {
        ProxyServer proxy = twoEmulators(ConfigFixture.gateway().responseTimeout(Duration.ofSeconds(1))
                .tryTimeout(Duration.ofMillis(200)));
        a.hang(true);

        HttpResponse<String> response = send(proxy, "POST", "/api/dashboards/db",
                HttpRequest.BodyPublishers.ofString("{\"dashboard\": {\"title\": \"x\"}}"));

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(b.requestCount("/api/dashboards/db")).isZero();
        assertThat(retries("grafana-a", "try-timeout")).isZero();
    }

    @Test
    void responseTimeoutIsRetriedOnceThen504() throws Exception {
        ProxyServer proxy = twoEmulators(ConfigFixture.gateway().responseTimeout(Duration.ofMillis(300)));
        a.hang(true);
        b.hang(true);

        HttpResponse<String> response = get(proxy, "/api/search");

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.body()).contains("grafana-b did not answer within 300 ms");
        assertThat(a.requestCount("/api/search")).isEqualTo(1);
        assertThat(b.requestCount("/api/search")).isEqualTo(1);
        assertThat(retries("grafana-a", "response-timeout")).isEqualTo(1.0);
        assertThat(outcomes).containsExactly("grafana-a:RESPONSE_TIMEOUT", "grafana-b:RESPONSE_TIMEOUT");
    }

    @Test
    void retriesNeverGoToABackendAlreadyTried() throws Exception {
        ProxyServer proxy = twoEmulators(ConfigFixture.gateway().retries(3));
        a.inject5xx(503, 1);
        b.inject5xx(503, 1);

        HttpResponse<String> response = get(proxy, "/api/search");

        // Two backends, three retries allowed: the third attempt has nowhere new to go.
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(a.requestCount("/api/search")).isEqualTo(1);
        assertThat(b.requestCount("/api/search")).isEqualTo(1);
        assertThat(routeRequests).extracting(RouteRequest::tried)
                .containsExactly(java.util.Set.of(), java.util.Set.of("grafana-a"), java.util.Set.of("grafana-a", "grafana-b"));
        assertThat(skipped("no-other-backend")).isEqualTo(1.0);
    }

    @Test
    void spentBudgetStopsRetries() throws Exception {
        long frozen = System.nanoTime();
        ProxyServer proxy = twoEmulators(ConfigFixture.gateway(), new RetryBudget(() -> frozen, 0.2, 3));
        a.stop();
        b.stop();
        int requests = 50;

        for (int i = 0; i < requests; i++) {
            RawHttp.Reply reply = RawHttp.send(proxy.port(), "GET /api/search HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n", 5000);
            assertThat(reply.status()).isEqualTo(502);
        }

        // 20% of 50 requests, and never fewer than 3 in a second: 10 retries, the rest refused.
        assertThat(retriesTotal()).isEqualTo(10.0);
        assertThat(skipped("budget-exhausted")).isEqualTo(requests - 10.0);
    }

    @Test
    void aResetBeforeAnyResponseByteIsRetriedForGet() throws Exception {
        ProxyServer proxy = twoEmulators(ConfigFixture.gateway().responseTimeout(Duration.ofSeconds(5)));
        a.hang(true);
        // A hanging request on grafana-a, then grafana-a dies: the proxy sees a reset, not a timeout.
        var pending = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/api/search"))
                .header("Authorization", "Bearer " + a.token()).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).until(() -> a.requestCount("/api/search") == 1);
        a.stop();

        assertThat(pending.get().statusCode()).isEqualTo(200);
        assertThat(retries("grafana-a", "reset")).isEqualTo(1.0);
    }
}
