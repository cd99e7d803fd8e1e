package io.grafanaha.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
import io.grafanaha.sync.GitStatus;
import io.grafanaha.sync.SyncStatus;
import io.grafanaha.sync.freshness.BackendSyncStatus;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sync half of the admin API and of the metrics, with a hand-built {@link SyncStatus}. The health
 * service is not started: both backends stay unknown ("down"), which is also what {@code /readyz} sees.
 */
class AdminApiWithSyncTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final FakeSync sync = new FakeSync();
    private HealthService health;
    private AdminServer admin;

    @BeforeEach
    void start() {
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", 1).backend("grafana-b", 2).build();
        health = HealthService.create(Backends.of(config),
                CheckPolicy.of("/api/health", Duration.ofSeconds(2), Duration.ofSeconds(1), 1, 1),
                new RoutingPolicy(RoutingMode.FAILOVER, new FailbackPolicy(FailbackPolicy.Mode.AUTO, Duration.ZERO), false),
                FailbackGate.ALWAYS, scheduler);
        admin = new AdminServer(config, health, registry);
        new AdminApi(config.admin().token(), health, sync).register(admin);
        new StatusMetrics(health, sync).bindTo(registry);
        admin.start();
    }

    @AfterEach
    void stop() {
        admin.close();
        health.close();
        scheduler.shutdownNow();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + admin.port() + path);
    }

    @Test
    void postSyncWithTheTokenRequestsAPassAndAnswers202() throws Exception {
        HttpResponse<String> wrong = post("/api/sync", "not-the-token");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(sync.requested).isEmpty();

        HttpResponse<String> response = post("/api/sync", "admin-token");

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(json.readTree(response.body()).get("message").asText()).isEqualTo("sync requested");
        assertThat(sync.requested).hasSize(1);
        assertThat(sync.requested.get(0)).startsWith("admin request from ");
    }

    @Test
    void statusCarriesTheSyncStateOfEachBackendAndGit() throws Exception {
        JsonNode s = json.readTree(get("/api/status").body());

        assertThat(s.at("/backends/0/sync/appliedCommit").asText()).isEqualTo(FakeSync.HEAD);
        assertThat(s.at("/backends/1/sync/lagCommits").asInt()).isEqualTo(2);
        assertThat(s.at("/git/head").asText()).isEqualTo(FakeSync.HEAD);
        assertThat(s.at("/backends/0/state").asText()).isEqualTo("down");
        assertThat(s.at("/backends/0/checkState").asText()).isEqualTo("unknown");
    }

    @Test
    void syncGaugesFollowTheLatestSyncStatus() throws Exception {
        String text = get("/metrics").body();

        assertThat(text).contains("gateway_sync_fresh{backend=\"grafana-a\"} 1.0");
        assertThat(text).contains("gateway_sync_fresh{backend=\"grafana-b\"} 0.0");
        assertThat(text).contains("gateway_sync_lag_commits{backend=\"grafana-a\"} 0.0");
        assertThat(text).contains("gateway_sync_lag_commits{backend=\"grafana-b\"} 2.0");
        assertThat(text).contains("gateway_sync_last_success_timestamp_seconds{backend=\"grafana-a\"} "
                + (double) FakeSync.SYNCED_A.getEpochSecond());
        assertThat(text).contains("gateway_sync_last_success_timestamp_seconds{backend=\"grafana-b\"} NaN");
        assertThat(text).contains("gateway_sync_dashboards{backend=\"grafana-a\"} 12.0");
        assertThat(text).contains("gateway_sync_errors_total{backend=\"grafana-b\",kind=\"apply\"} 3.0");
        assertThat(text).contains("gateway_sync_errors_total{backend=\"grafana-b\",kind=\"read\"} 1.0");
        assertThat(text).contains("gateway_sync_errors_total{backend=\"grafana-a\",kind=\"delete-limit\"} 0.0");
        assertThat(text).contains("gateway_sync_fetch_failures_total 4.0");
        assertThat(text).contains("gateway_sync_file_errors 1.0");

        // the next pass: grafana-b caught up
        SyncStatus before = sync.status;
        Map<String, BackendSyncStatus> caughtUp = new LinkedHashMap<>(before.backends());
        caughtUp.put("grafana-b", new BackendSyncStatus("grafana-b", Optional.of(FakeSync.HEAD),
                true, 0, Optional.of(FakeSync.SYNCED_A), 0, Optional.empty(), 12, Map.of("apply", 3L, "read", 1L)));
        sync.status = new SyncStatus(new GitStatus(Optional.of(FakeSync.HEAD), Optional.empty(), Optional.of(FakeSync.FETCHED),
                Optional.empty(), 4), caughtUp, List.of(), before.passes() + 1);

        String after = get("/metrics").body();

        assertThat(after).contains("gateway_sync_fresh{backend=\"grafana-b\"} 1.0");
        assertThat(after).contains("gateway_sync_lag_commits{backend=\"grafana-b\"} 0.0");
        assertThat(after).contains("gateway_sync_file_errors 0.0");
    }

    @Test
    void readyzIs503WhileNoBackendHasPassedACheck() throws Exception {
        HttpResponse<String> ready = get("/readyz");

        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(get("/metrics").body()).contains("gateway_backend_up{backend=\"grafana-a\"} 0.0");
    }
}
