package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.grafanaha.testkit.grafana.RecordedRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RequestIdTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
    private GrafanaEmulator a;
    private GrafanaEmulator b;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    private ProxyServer twoEmulators() {
        a = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
        resources.add(0, a);
        b = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b"));
        resources.add(0, b);
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", a.port()).backend("grafana-b", b.port()).build();
        ProxyServer proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();
        resources.add(0, proxy);
        return proxy;
    }

    private HttpResponse<String> get(ProxyServer proxy, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path))
                .header("Authorization", "Bearer " + a.token());
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String idSeenBy(GrafanaEmulator backend) {
        return backend.lastRequest().flatMap(r -> r.header("X-Request-Id")).orElseThrow();
    }

    @Test
    void theBackendSeesTheClientsIdAndTheClientGetsItBack() throws Exception {
        ProxyServer proxy = twoEmulators();

        HttpResponse<String> response = get(proxy, "/api/search", "X-Request-Id", "client-chosen-42");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(idSeenBy(a)).isEqualTo("client-chosen-42");
        assertThat(response.headers().firstValue("X-Request-Id")).hasValue("client-chosen-42");
    }

    @Test
    void withoutAnIdEachRequestGetsItsOwnAndTheClientSeesIt() throws Exception {
        ProxyServer proxy = twoEmulators();
        Set<String> ids = new HashSet<>();

        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = get(proxy, "/api/search");
            String echoed = response.headers().firstValue("X-Request-Id").orElseThrow();
            assertThat(idSeenBy(a)).isEqualTo(echoed);
            ids.add(echoed);
        }

        assertThat(ids).hasSize(20);
    }

    @Test
    void anInsaneIdIsReplaced() throws Exception {
        ProxyServer proxy = twoEmulators();
        String tooLong = "x".repeat(RequestIds.MAX_LENGTH + 1);

        HttpResponse<String> response = get(proxy, "/api/search", "X-Request-Id", tooLong);

        String seen = idSeenBy(a);
        assertThat(seen).isNotEqualTo(tooLong).isNotBlank();
        assertThat(response.headers().firstValue("X-Request-Id")).hasValue(seen);
    }

    @Test
    void aRetriedRequestKeepsItsIdOnBothAttempts() throws Exception {
        ProxyServer proxy = twoEmulators();
        a.inject5xx(503, 1);

        HttpResponse<String> response = get(proxy, "/api/search");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(b.requestCount("/api/search")).isEqualTo(1);
        String id = response.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(idSeenBy(a)).isEqualTo(id);
        assertThat(idSeenBy(b)).isEqualTo(id);
    }

    @Test
    void theGatewaysOwnErrorCarriesTheId() throws Exception {
        ProxyServer proxy = twoEmulators();
        a.stop();
        b.stop();

        HttpResponse<String> response = get(proxy, "/api/search", "X-Request-Id", "when-all-is-down");

        assertThat(response.statusCode()).isGreaterThanOrEqualTo(500);
        assertThat(response.body()).contains("\"message\"");
        assertThat(response.headers().firstValue("X-Request-Id")).hasValue("when-all-is-down");
    }

    @Test
    void sanityIsVisibleAsciiUpTo128() {
        assertThat(RequestIds.sane("abc-DEF_123.~")).isTrue();
        assertThat(RequestIds.sane("x".repeat(128))).isTrue();
        assertThat(RequestIds.sane("x".repeat(129))).isFalse();
        assertThat(RequestIds.sane("has space")).isFalse();
        assertThat(RequestIds.sane("caf\u00e9")).isFalse();
        assertThat(RequestIds.sane("")).isFalse();
    }
}
