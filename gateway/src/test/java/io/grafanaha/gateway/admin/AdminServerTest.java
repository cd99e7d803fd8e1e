package io.grafanaha.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.AdminConfig;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.HostPort;
import io.grafanaha.gateway.proxy.ProxyServer;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.gateway.testing.TestBackend;
import io.grafanaha.health.Backend;
import io.grafanaha.health.RouteRequest;
import io.grafanaha.health.Router;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdminServerTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final TestBackend backend = new TestBackend("grafana-a");
    private ProxyServer proxy;
    private AdminServer admin;

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
        if (proxy != null) {
            proxy.shutdown(Duration.ZERO);
        }
        backend.close();
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsAfterTrafficCarryTheDesignNamesAndLabels() throws Exception {
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", backend.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), registry).start();
        admin = new AdminServer(config, ConfigFixture.staticRouter(config), registry).start();
        for (int i = 0; i < 3; i++) {
            assertThat(get(proxy.port(), "/api/search").statusCode()).isEqualTo(200);
        }
        http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/api/dashboards/db"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

        HttpResponse<String> scrape = get(admin.port(), "/metrics");

        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        String text = scrape.body();
        assertThat(text).contains("gateway_requests_total{backend=\"grafana-a\",method=\"GET\",status=\"200\"} 3");
        assertThat(text).contains("gateway_requests_total{backend=\"grafana-a\",method=\"POST\",status=\"200\"} 1");
        assertThat(text).contains("# TYPE gateway_request_duration_seconds histogram");
        assertThat(text).contains("gateway_request_duration_seconds_bucket{backend=\"grafana-a\",le=");
        assertThat(text).contains("gateway_request_duration_seconds_count{backend=\"grafana-a\"} 4");
        assertThat(text).contains("gateway_backend_connections_open ");
        assertThat(text).contains("gateway_websocket_tunnels ");
        assertThat(text).contains("gateway_netty_allocator_used_bytes{area=\"direct\"}");
        assertThat(text).contains("jvm_memory_used_bytes");
        assertThat(text).contains("jvm_gc_");
    }

    @Test
    void anAdminPortAlreadyTakenFailsTheStartNamingTheKeyAndAddressAndLeavesNoThreadsBehind() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            GatewayConfig base = ConfigFixture.gateway().backend("grafana-a", backend.port()).build();
            GatewayConfig config = new GatewayConfig(base.listen(),
                    new AdminConfig(new HostPort("127.0.0.1", taken.getLocalPort()), base.admin().token(), base.admin().tls()),
                    base.mode(), base.backends(), base.health(), base.failback(), base.routing(), base.proxy(), base.sync(),
                    base.tls(), base.rateLimits(), base.accessLog(), base.auth(), base.tracing());
            AdminServer refused = new AdminServer(config, ConfigFixture.staticRouter(config), registry);

            assertThatThrownBy(refused::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("admin.listen 127.0.0.1:" + taken.getLocalPort()).hasMessageContaining("already in use");
            // Its event loops stop: a process that goes on (a test, an embedding) keeps no admin threads.
            await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().startsWith("admin-io") || t.getName().startsWith("admin-http")));
        }
    }

    @Test
    void healthzAndReadyzWithARoutableBackend() throws Exception {
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", backend.port()).build();
        admin = new AdminServer(config, ConfigFixture.staticRouter(config), registry).start();

        assertThat(get(admin.port(), "/healthz").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get(admin.port(), "/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("grafana-a");
        assertThat(get(admin.port(), "/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void readyzIs503WhenNoBackendIsRoutable() throws Exception {
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", backend.port()).build();
        Router none = new Router() {
            @Override
            public Optional<io.grafanaha.health.Route> pick(RouteRequest request) {
                return Optional.empty();
            }

            @Override
            public List<Backend> routable() {
                return List.of();
            }
        };
        admin = new AdminServer(config, none, registry).start();

        HttpResponse<String> ready = get(admin.port(), "/readyz");

        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).isEqualTo("{\"message\":\"no Grafana backend is routable\"}");
        assertThat(get(admin.port(), "/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void stateChangingMethodsAreRefused() throws Exception {
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", backend.port()).build();
        admin = new AdminServer(config, ConfigFixture.staticRouter(config), registry).start();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + "/metrics"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(405);
    }

    @Test
    void exactRoutesWinOverPrefixesAndTheLongestPrefixWins() throws Exception {
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", backend.port()).build();
        admin = new AdminServer(config, ConfigFixture.staticRouter(config), registry)
                .route("/api/x/exact", reply("exact"))
                .routePrefix("/api/", reply("api"))
                .routePrefix("/api/x/", reply("x"));
        admin.start();

        assertThat(get(admin.port(), "/api/x/exact").body()).isEqualTo("exact");
        assertThat(get(admin.port(), "/api/x/other").body()).isEqualTo("x");
        assertThat(get(admin.port(), "/api/status").body()).isEqualTo("api");
        assertThat(get(admin.port(), "/api/").statusCode()).isEqualTo(404);
        assertThat(get(admin.port(), "/other").statusCode()).isEqualTo(404);
    }

    @Test
    void aHalfSentRequestHeldOpenDoesNotStopHealthz() throws Exception {
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", backend.port()).build();
        admin = new AdminServer(config, ConfigFixture.staticRouter(config), registry).start();

        try (Socket stalled = new Socket("127.0.0.1", admin.port())) {
            stalled.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            stalled.getOutputStream().flush();

            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + "/healthz"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("ok\n");
        }
    }

    @Test
    void aHalfSentRequestIsAnswered408AndClosedAtTheRequestDeadline() throws Exception {
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", backend.port())
                .requestHeadTimeout(Duration.ofMillis(500)).build();
        admin = new AdminServer(config, ConfigFixture.staticRouter(config), registry).start();

        try (Socket stalled = new Socket("127.0.0.1", admin.port())) {
            stalled.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            stalled.setSoTimeout(5000);

            RawHttp.Reply reply = RawHttp.readAll(stalled.getInputStream());

            assertThat(reply.status()).isEqualTo(408);
            assertThat(reply.closed()).isTrue();
        }
    }

    private static AdminHandler reply(String body) {
        return exchange -> exchange.send(200, "text/plain", body);
    }
}
