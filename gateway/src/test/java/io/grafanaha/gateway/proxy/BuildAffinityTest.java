package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.health.HealthService;
import io.grafanaha.health.RoutingMode;
import io.grafanaha.health.check.CheckPolicy;
import io.grafanaha.health.routing.FailbackGate;
import io.grafanaha.health.routing.FailbackPolicy;
import io.grafanaha.health.routing.RoutingPolicy;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** During a rolling upgrade a browser stays on instances of one Grafana build (the build named in /api/health). */
class BuildAffinityTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private HealthService health;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
        scheduler.shutdownNow();
    }

    /** Two instances in load-balance mode, health-checked for real, reporting these builds. */
    private ProxyServer proxy(String versionA, String versionB) {
        a = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a").version(versionA).commit("a1b2c3d4e5f6a7b8"));
        resources.add(0, a);
        b = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b").version(versionB).commit(
                versionA.equals(versionB) ? "a1b2c3d4e5f6a7b8" : "0f9e8d7c6b5a4f3e"));
        resources.add(0, b);
        GatewayConfig config = ConfigFixture.gateway().mode(RoutingMode.LOAD_BALANCE)
                .backend("grafana-a", a.port()).backend("grafana-b", b.port()).build();
        health = HealthService.create(Backends.of(config),
                CheckPolicy.of("/api/health", Duration.ofMillis(200), Duration.ofSeconds(1), 1, 1),
                new RoutingPolicy(RoutingMode.LOAD_BALANCE, new FailbackPolicy(FailbackPolicy.Mode.AUTO, Duration.ZERO), false),
                FailbackGate.ALWAYS, scheduler);
        resources.add(0, health);
        health.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> health.routable().size() == 2
                && health.build("grafana-a").isPresent() && health.build("grafana-b").isPresent());
        ProxyServer proxy = new ProxyServer(config, health, new SimpleMeterRegistry(), health).builds(health).start();
        resources.add(0, proxy);
        return proxy;
    }

    private HttpResponse<String> get(ProxyServer proxy, Optional<String> cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/api/search"))
                .header("Authorization", "Bearer " + a.token());
        cookie.ifPresent(c -> request.header("Cookie", "grafana_session=s; " + c));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Optional<String> buildCookie(HttpResponse<String> response) {
        return response.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(BuildAffinity.COOKIE + "="))
                .map(c -> c.substring(0, c.indexOf(';'))).findFirst();
    }

    @Test
    void whileInstancesRunDifferentBuildsABrowserStaysOnTheBuildOfItsFirstAnswer() throws Exception {
        ProxyServer proxy = proxy("12.0.0", "12.1.0");

        HttpResponse<String> first = get(proxy, Optional.empty());
        Optional<String> cookie = buildCookie(first);
        assertThat(cookie).isPresent();
        GrafanaEmulator servedFirst = a.requestCount("/api/search") == 1 ? a : b;
        GrafanaEmulator other = servedFirst == a ? b : a;
        assertThat(cookie.get()).isEqualTo(BuildAffinity.COOKIE + "="
                + (servedFirst == a ? "12.0.0_a1b2c3d4e5f6" : "12.1.0_0f9e8d7c6b5a"));

        for (int i = 0; i < 10; i++) {
            HttpResponse<String> next = get(proxy, cookie);
            assertThat(next.statusCode()).isEqualTo(200);
            assertThat(buildCookie(next)).as("already named").isEmpty();
        }

        assertThat(servedFirst.requestCount("/api/search")).isEqualTo(11);
        assertThat(other.requestCount("/api/search")).isZero();
        // Grafana never sees the gateway's cookie (health checks also reach the emulator: look at a search).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            get(proxy, cookie);
            var seen = servedFirst.lastRequest().orElseThrow();
            assertThat(seen.path()).isEqualTo("/api/search");
            assertThat(seen.header("Cookie")).hasValue("grafana_session=s");
        });
    }

    @Test
    void whenNoInstanceOfItsBuildIsUpTheBrowserMovesAndItsCookieWithIt() throws Exception {
        ProxyServer proxy = proxy("12.0.0", "12.1.0");
        String oldBuild = BuildAffinity.COOKIE + "=12.0.0_a1b2c3d4e5f6";
        a.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> health.routable().size() == 1);

        HttpResponse<String> moved = get(proxy, Optional.of(oldBuild));

        assertThat(moved.statusCode()).isEqualTo(200);
        assertThat(b.requestCount("/api/search")).isEqualTo(1);
        // Only one instance may serve: builds no longer differ among them, so no cookie is needed.
        assertThat(buildCookie(moved)).isEmpty();
    }

    @Test
    void whenEveryInstanceRunsOneBuildNoCookieIsSetAndRequestsSpread() throws Exception {
        ProxyServer proxy = proxy("12.1.0", "12.1.0");

        for (int i = 0; i < 6; i++) {
            assertThat(buildCookie(get(proxy, Optional.empty()))).isEmpty();
        }

        assertThat(a.requestCount("/api/search")).isEqualTo(3);
        assertThat(b.requestCount("/api/search")).isEqualTo(3);
    }
}
