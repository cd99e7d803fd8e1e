package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.FullAcceptQueue;
import io.grafanaha.gateway.testing.RawBackend;
import io.grafanaha.health.Backend;
import io.grafanaha.health.Route;
import io.grafanaha.health.RouteRequest;
import io.grafanaha.health.Router;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A backend that hangs (accepts and never answers) or has stopped accepting (a full accept queue, as when
 * Grafana is SIGSTOPped): the try timeout bounds the whole attempt, and when no backend can serve the
 * client gets a 503 at once instead of waiting for the response timeout.
 */
class HungBackendTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
    private final List<String> outcomes = new CopyOnWriteArrayList<>();

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

    private ProxyServer start(GatewayConfig config, Router router) {
        return track(new ProxyServer(config, router, new SimpleMeterRegistry(), (b, o) -> outcomes.add(b.name() + ":" + o)).start());
    }

    /** What the routing table does with nothing routable and {@code routing.last-resort} on: one backend, never a retry. */
    private static Router lastResort(GatewayConfig config, String name) {
        Backend resort = Backends.of(config).stream().filter(b -> b.name().equals(name)).findFirst().orElseThrow();
        return new Router() {
            @Override
            public Optional<Route> pick(RouteRequest request) {
                return request.tried().contains(name) ? Optional.empty() : Optional.of(Route.to(resort));
            }

            @Override
            public List<Backend> routable() {
                return List.of();
            }
        };
    }

    private HttpResponse<String> get(ProxyServer proxy, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    @Test
    void aGetToAPrimaryThatStoppedAcceptingMovesAfterTheTryTimeoutNotTheConnectTimeout() throws Exception {
        FullAcceptQueue stopped = track(new FullAcceptQueue());
        GrafanaEmulator replica = track(GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b")));
        GatewayConfig config = ConfigFixture.gateway().connectTimeout(Duration.ofSeconds(5)).tryTimeout(Duration.ofMillis(300))
                .backend("grafana-a", stopped.port()).backend("grafana-b", replica.port()).build();
        ProxyServer proxy = start(config, ConfigFixture.staticRouter(config));
        long started = System.nanoTime();

        HttpResponse<String> response = get(proxy, "/api/health");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Grafana-Emulator")).contains("grafana-b");
        assertThat(since(started)).as("the try timeout (300 ms) and one retry, not the 5 s connect timeout")
                .isLessThan(Duration.ofMillis(2500));
        assertThat(outcomes).as("a connect that outlived the try timeout is a passive failure")
                .contains("grafana-a:CONNECT_TIMEOUT");
    }

    @Test
    void aLastResortBackendThatHangsAnswers503WithinTheConnectTimeoutNotTheResponseTimeout() throws Exception {
        RawBackend resetting = track(new RawBackend(""));
        GrafanaEmulator hung = track(GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b")));
        hung.hang(true);
        GatewayConfig config = ConfigFixture.gateway().connectTimeout(Duration.ofMillis(500)).responseTimeout(Duration.ofSeconds(30))
                .backend("grafana-a", resetting.port()).backend("grafana-b", hung.port()).build();
        ProxyServer proxy = start(config, lastResort(config, "grafana-b"));
        proxy.backendDown("grafana-a");
        proxy.backendDown("grafana-b");
        long started = System.nanoTime();

        HttpResponse<String> response = get(proxy, "/api/search");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(since(started)).as("about the 500 ms connect timeout, far from the 30 s response timeout")
                .isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aRequestWaitingOnABackendMarkedDownWithNowhereElseToGoGets503Promptly() throws Exception {
        GrafanaEmulator hung = track(GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a")));
        hung.hang(true);
        GatewayConfig config = ConfigFixture.gateway().connectTimeout(Duration.ofMillis(500)).responseTimeout(Duration.ofSeconds(30))
                .backend("grafana-a", hung.port()).build();
        ProxyServer proxy = start(config, lastResort(config, "grafana-a"));
        CompletableFuture<HttpResponse<String>> pending = http.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/api/search")).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).until(() -> hung.requestCount("/api/search") == 1);
        long markedDown = System.nanoTime();

        proxy.backendDown("grafana-a");

        assertThat(pending.get().statusCode()).isEqualTo(503);
        assertThat(since(markedDown)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aSaveTheBackendMayHaveActedOnGets504PromptlyNot503() throws Exception {
        GrafanaEmulator hung = track(GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a")));
        hung.hang(true);
        GatewayConfig config = ConfigFixture.gateway().connectTimeout(Duration.ofMillis(500)).responseTimeout(Duration.ofSeconds(30))
                .backend("grafana-a", hung.port()).build();
        ProxyServer proxy = start(config, lastResort(config, "grafana-a"));
        CompletableFuture<HttpResponse<String>> pending = http.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/api/annotations"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"deploy\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).until(() -> hung.requestCount("/api/annotations") == 1);
        long markedDown = System.nanoTime();

        proxy.backendDown("grafana-a");

        // It reached Grafana whole: "send it again" (503) could post it twice; 504 says the outcome is unknown.
        assertThat(pending.get().statusCode()).isEqualTo(504);
        assertThat(since(markedDown)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aLastResortBackendThatStoppedAcceptingAnswers503NotAGatewayTimeout() throws Exception {
        FullAcceptQueue stopped = track(new FullAcceptQueue());
        GatewayConfig config = ConfigFixture.gateway().connectTimeout(Duration.ofSeconds(5)).tryTimeout(Duration.ofMillis(300))
                .backend("grafana-a", stopped.port()).build();
        ProxyServer proxy = start(config, lastResort(config, "grafana-a"));
        proxy.backendDown("grafana-a");
        long started = System.nanoTime();

        HttpResponse<String> response = get(proxy, "/api/search");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(since(started)).as("the 300 ms try timeout, not the 5 s connect timeout").isLessThan(Duration.ofMillis(2500));
    }
}
