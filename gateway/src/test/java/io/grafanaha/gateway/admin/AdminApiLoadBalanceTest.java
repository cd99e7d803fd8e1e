package io.grafanaha.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.proxy.Backends;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.health.HealthService;
import io.grafanaha.health.RoutingMode;
import io.grafanaha.health.check.CheckPolicy;
import io.grafanaha.health.routing.FailbackGate;
import io.grafanaha.health.routing.FailbackPolicy;
import io.grafanaha.health.routing.RoutingPolicy;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Failover and failback have no meaning in load-balance mode: 409, with the mode in the message. */
class AdminApiLoadBalanceTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private HealthService health;
    private AdminServer admin;

    @AfterEach
    void stop() {
        admin.close();
        health.close();
        scheduler.shutdownNow();
    }

    @Test
    void failoverAndFailbackAre409InLoadBalanceMode() throws Exception {
        GatewayConfig config = ConfigFixture.gateway().mode(RoutingMode.LOAD_BALANCE)
                .backend("grafana-a", 1).backend("grafana-b", 2).build();
        health = HealthService.create(Backends.of(config),
                CheckPolicy.of("/api/health", Duration.ofSeconds(2), Duration.ofSeconds(1), 1, 1),
                new RoutingPolicy(RoutingMode.LOAD_BALANCE, new FailbackPolicy(FailbackPolicy.Mode.AUTO, Duration.ZERO), false),
                FailbackGate.ALWAYS, scheduler);
        admin = new AdminServer(config, health, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        new AdminApi(config.admin().token(), health, SyncAccess.NONE).register(admin);
        admin.start();

        HttpResponse<String> failover = post("/api/failover", "{\"to\":\"grafana-b\"}");
        HttpResponse<String> failback = post("/api/failback", "");

        assertThat(failover.statusCode()).isEqualTo(409);
        assertThat(failback.statusCode()).isEqualTo(409);
        assertThat(new ObjectMapper().readTree(failback.body()).get("message").asText()).contains("failover mode");
        String status = http.send(HttpRequest.newBuilder(uri("/api/status")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(new ObjectMapper().readTree(status).get("mode").asText()).isEqualTo("load-balance");
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer admin-token")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + admin.port() + path);
    }
}
