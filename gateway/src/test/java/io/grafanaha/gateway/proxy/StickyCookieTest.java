package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.health.RoutingMode;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StickyCookieTest {
    private static final String COOKIE = "grafana_backend";
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final GrafanaEmulator a = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
    private final GrafanaEmulator b = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b"));
    private ProxyServer proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.shutdown(java.time.Duration.ZERO);
        }
        a.close();
        b.close();
    }

    private void start(RoutingMode mode) {
        GatewayConfig config = ConfigFixture.gateway().mode(mode).stickyCookie(COOKIE)
                .backend("grafana-a", a.port()).backend("grafana-b", b.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();
    }

    private HttpResponse<String> get(String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/api/health"));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Optional<String> setCookie(HttpResponse<?> response) {
        return response.headers().allValues("set-cookie").stream().filter(c -> c.startsWith(COOKIE + "=")).findFirst();
    }

    /** Which emulator answered the last request, by whose request count moved. */
    private String served(long aBefore, long bBefore) {
        return a.requestCount() > aBefore ? "grafana-a" : b.requestCount() > bBefore ? "grafana-b" : "none";
    }

    @Test
    void aClientWithoutTheCookieIsToldWhichBackendServedIt() throws Exception {
        start(RoutingMode.LOAD_BALANCE);
        long aBefore = a.requestCount();
        long bBefore = b.requestCount();

        HttpResponse<String> response = get("grafana_session=s1");

        String backend = served(aBefore, bBefore);
        assertThat(setCookie(response)).hasValue(COOKIE + "=" + backend + "; Path=/; HttpOnly; SameSite=Lax");
    }

    @Test
    void aCookieNamingTheServingBackendIsLeftAloneAndNotForwarded() throws Exception {
        start(RoutingMode.LOAD_BALANCE);

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = get("grafana_session=s1; " + COOKIE + "=grafana-b");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(setCookie(response)).isEmpty();
        }
        assertThat(b.requestCount("/api/health")).isEqualTo(3);
        assertThat(a.requestCount("/api/health")).isZero();
        assertThat(b.lastRequest().flatMap(r -> r.header("cookie"))).hasValue("grafana_session=s1");
    }

    @Test
    void aCookieNamingAStoppedBackendIsReplaced() throws Exception {
        start(RoutingMode.LOAD_BALANCE);
        a.stop();

        HttpResponse<String> response = get(COOKIE + "=grafana-a");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(setCookie(response)).hasValueSatisfying(c -> assertThat(c).startsWith(COOKIE + "=grafana-b;"));
        assertThat(b.lastRequest().flatMap(r -> r.header("cookie"))).isEmpty();
    }

    @Test
    void aCookieNamingAnUnknownBackendIsReplaced() throws Exception {
        start(RoutingMode.LOAD_BALANCE);
        long aBefore = a.requestCount();
        long bBefore = b.requestCount();

        HttpResponse<String> response = get(COOKIE + "=grafana-gone");

        assertThat(setCookie(response)).hasValueSatisfying(c -> assertThat(c).startsWith(COOKIE + "=" + served(aBefore, bBefore) + ";"));
    }

    @Test
    void failoverModeNeverSetsTheCookie() throws Exception {
        start(RoutingMode.FAILOVER);

        assertThat(setCookie(get(null))).isEmpty();
        assertThat(setCookie(get(COOKIE + "=grafana-gone"))).isEmpty();
    }
}
