package io.grafanaha.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin API through {@code Gateway.start(config)}, two Grafana emulators behind it, real HTTP on loopback. */
class AdminApiEndToEndTest {
    private static final String ADMIN_TOKEN = "admin-t0ken-never-shown-4711";
    private static final String API_TOKEN_A = "glsa_api-token-a-never-shown";
    private static final String API_TOKEN_B = "glsa_api-token-b-never-shown";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();
    private Rig rig;
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private Gateway gateway;

    @AfterEach
    void stopAll() {
        if (rig != null) {
            rig.close();
        }
    }

    private Gateway start(String token) throws Exception {
        rig = Rig.builder().adminToken(token).apiTokens(API_TOKEN_A, API_TOKEN_B)
                .settings(Rig.FAST_HEALTH + Rig.IMMEDIATE_FAILBACK)
                .start();
        a = rig.a();
        b = rig.b();
        gateway = rig.startGateway();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode s = status();
            assertThat(s.at("/backends/0/state").asText()).isEqualTo("up");
            assertThat(s.at("/backends/1/state").asText()).isEqualTo("up");
            assertThat(s.at("/active").toString()).isEqualTo("[\"grafana-a\"]");
        });
        return gateway;
    }

    // ---- helpers -------------------------------------------------------------------------------

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(adminUri(path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(adminUri(path)).timeout(Duration.ofSeconds(5))
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI adminUri(String path) {
        return URI.create("http://127.0.0.1:" + gateway.adminPort() + path);
    }

    private JsonNode status() throws Exception {
        HttpResponse<String> response = get("/api/status");
        assertThat(response.statusCode()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private String metrics() throws Exception {
        return get("/metrics").body();
    }

    private static List<String> types(JsonNode status) {
        List<String> types = new ArrayList<>();
        status.get("events").forEach(e -> types.add(e.get("type").asText()));
        return types;
    }

    private static JsonNode lastEvent(JsonNode status, String type) {
        JsonNode found = null;
        for (JsonNode e : status.get("events")) {
            if (e.get("type").asText().equals(type)) {
                found = e;
            }
        }
        assertThat(found).as("an event of type " + type + " in " + status.get("events")).isNotNull();
        return found;
    }

    private String message(HttpResponse<String> response) throws Exception {
        return json.readTree(response.body()).get("message").asText();
    }

    // ---- behaviour -----------------------------------------------------------------------------

    @Test
    void statusShowsBothBackendsUpAndThePrimaryActiveWithoutSync() throws Exception {
        start(ADMIN_TOKEN);

        HttpResponse<String> response = get("/api/status");
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode s = json.readTree(response.body());

        assertThat(s.get("mode").asText()).isEqualTo("failover");
        JsonNode first = s.at("/backends/0");
        assertThat(first.get("name").asText()).isEqualTo("grafana-a");
        assertThat(first.get("url").asText()).isEqualTo(a.url());
        assertThat(first.get("role").asText()).isEqualTo("primary");
        assertThat(first.get("routable").asBoolean()).isTrue();
        assertThat(first.get("checkState").asText()).isEqualTo("up");
        assertThat(first.at("/health/lastCheck").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(first.at("/health/latencyMs").isNumber()).isTrue();
        assertThat(first.at("/health/consecutiveFailures").asInt()).isZero();
        assertThat(first.at("/health/lastError").isNull()).isTrue();
        assertThat(first.get("sync").isNull()).isTrue();
        assertThat(s.at("/backends/1/role").asText()).isEqualTo("replica");
        assertThat(s.get("git").isNull()).isTrue();
        assertThat(types(s)).contains("up", "activated");
        assertThat(lastEvent(s, "up").get("backend").asText()).startsWith("grafana-");

        String text = metrics();
        assertThat(text).contains("gateway_backend_up{backend=\"grafana-a\"} 1.0");
        assertThat(text).contains("gateway_backend_up{backend=\"grafana-b\"} 1.0");
        assertThat(text).contains("gateway_backend_active{backend=\"grafana-a\"} 1.0");
        assertThat(text).contains("gateway_backend_active{backend=\"grafana-b\"} 0.0");
        assertThat(text).contains("gateway_backend_check_latency_seconds{backend=\"grafana-a\"}");
        assertThat(text).doesNotContain("gateway_sync_");

        HttpResponse<String> ready = get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"grafana-a\"", "\"grafana-b\"");
    }

    @Test
    void stoppingThePrimaryFailsOverToTheReplicaAndCountsIt() throws Exception {
        start(ADMIN_TOKEN);

        a.stop();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode s = status();
            assertThat(s.at("/active").toString()).isEqualTo("[\"grafana-b\"]");
            assertThat(s.at("/backends/0/state").asText()).isEqualTo("down");
            assertThat(s.at("/backends/0/health/lastError").asText()).isNotEmpty();
            JsonNode failover = lastEvent(s, "failover");
            assertThat(failover.get("from").asText()).isEqualTo("grafana-a");
            assertThat(failover.get("to").asText()).isEqualTo("grafana-b");
            assertThat(failover.get("cause").asText()).isEqualTo("backend-down");
            assertThat(failover.get("reason").asText()).isNotEmpty();
        });
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            String text = metrics();
            assertThat(text).contains("gateway_failovers_total{from=\"grafana-a\",reason=\"backend-down\",to=\"grafana-b\"} 1.0");
            assertThat(text).contains("gateway_backend_up{backend=\"grafana-a\"} 0.0");
            assertThat(text).contains("gateway_backend_active{backend=\"grafana-b\"} 1.0");
        });
    }

    @Test
    void actionsWithoutOrWithAWrongTokenAre401AndChangeNothing() throws Exception {
        start(ADMIN_TOKEN);

        HttpResponse<String> none = post("/api/failover", null, "{\"to\":\"grafana-b\"}");
        HttpResponse<String> wrong = post("/api/failover", ADMIN_TOKEN + "x", "{\"to\":\"grafana-b\"}");
        HttpResponse<String> drain = post("/api/backends/grafana-a/drain", "nope", null);
        HttpResponse<String> basic = http.send(HttpRequest.newBuilder(adminUri("/api/failback"))
                .header("Authorization", "Basic " + ADMIN_TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());

        for (HttpResponse<String> r : List.of(none, wrong, drain, basic)) {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).isEqualTo("{\"message\":\"missing or wrong admin token\"}");
        }
        JsonNode s = status();
        assertThat(s.at("/active").toString()).isEqualTo("[\"grafana-a\"]");
        assertThat(s.at("/backends/0/state").asText()).isEqualTo("up");
        assertThat(types(s)).doesNotContain("failover", "drained");
    }

    @Test
    void actionsAre403WhenNoTokenIsConfigured() throws Exception {
        start("");

        HttpResponse<String> failover = post("/api/failover", "anything", "{\"to\":\"grafana-b\"}");
        HttpResponse<String> sync = post("/api/sync", null, null);

        for (HttpResponse<String> r : List.of(failover, sync)) {
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.body()).isEqualTo("{\"message\":\"admin.token is not configured; admin actions are disabled\"}");
        }
        assertThat(status().at("/active").toString()).isEqualTo("[\"grafana-a\"]");
    }

    @Test
    void failoverWithTheTokenSwitchesActiveAndFailbackReturns() throws Exception {
        start(ADMIN_TOKEN);

        HttpResponse<String> failover = post("/api/failover", ADMIN_TOKEN, "{\"to\":\"grafana-b\"}");

        assertThat(failover.statusCode()).isEqualTo(200);
        JsonNode after = json.readTree(failover.body());
        assertThat(after.at("/active").toString()).isEqualTo("[\"grafana-b\"]");
        assertThat(after.get("forced").asText()).isEqualTo("grafana-b");
        JsonNode event = lastEvent(after, "failover");
        assertThat(event.get("from").asText()).isEqualTo("grafana-a");
        assertThat(event.get("to").asText()).isEqualTo("grafana-b");
        assertThat(metrics()).contains("gateway_failovers_total{from=\"grafana-a\",reason=\"admin\",to=\"grafana-b\"} 1.0");

        HttpResponse<String> failback = post("/api/failback", ADMIN_TOKEN, null);

        assertThat(failback.statusCode()).isEqualTo(200);
        JsonNode back = json.readTree(failback.body());
        assertThat(back.at("/active").toString()).isEqualTo("[\"grafana-a\"]");
        assertThat(back.get("forced").isNull()).isTrue();
        assertThat(lastEvent(back, "failback").get("to").asText()).isEqualTo("grafana-a");
        String text = metrics();
        assertThat(text).contains("gateway_failovers_total{from=\"grafana-b\",reason=\"admin\",to=\"grafana-a\"} 1.0");
        assertThat(text).contains("gateway_backend_active{backend=\"grafana-a\"} 1.0");
    }

    @Test
    void drainMovesTrafficAwayAndEnableBringsTheBackendBack() throws Exception {
        start(ADMIN_TOKEN);

        HttpResponse<String> drain = post("/api/backends/grafana-a/drain", ADMIN_TOKEN, null);

        assertThat(drain.statusCode()).isEqualTo(200);
        JsonNode drained = json.readTree(drain.body());
        assertThat(drained.at("/backends/0/state").asText()).isEqualTo("draining");
        assertThat(drained.at("/backends/0/routable").asBoolean()).isFalse();
        assertThat(drained.at("/active").toString()).isEqualTo("[\"grafana-b\"]");
        assertThat(lastEvent(drained, "drained").get("backend").asText()).isEqualTo("grafana-a");

        HttpResponse<String> failoverToDrained = post("/api/failover", ADMIN_TOKEN, "{\"to\":\"grafana-a\"}");
        assertThat(failoverToDrained.statusCode()).isEqualTo(409);
        assertThat(message(failoverToDrained)).contains("grafana-a");

        HttpResponse<String> enable = post("/api/backends/grafana-a/enable", ADMIN_TOKEN, null);

        assertThat(enable.statusCode()).isEqualTo(200);
        JsonNode enabled = json.readTree(enable.body());
        assertThat(enabled.at("/backends/0/state").asText()).isEqualTo("up");
        assertThat(enabled.at("/backends/0/routable").asBoolean()).isTrue();
        assertThat(lastEvent(enabled, "enabled").get("backend").asText()).isEqualTo("grafana-a");
        // automatic failback with no hold: the recovered primary serves again
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(status().at("/active").toString()).isEqualTo("[\"grafana-a\"]"));
    }

    @Test
    void mistakesAnswerWithAMessageNamingTheProblem() throws Exception {
        start(ADMIN_TOKEN);

        HttpResponse<String> unknownDrain = post("/api/backends/grafana-x/drain", ADMIN_TOKEN, null);
        assertThat(unknownDrain.statusCode()).isEqualTo(404);
        assertThat(message(unknownDrain)).contains("grafana-x");

        HttpResponse<String> unknownFailover = post("/api/failover", ADMIN_TOKEN, "{\"to\":\"grafana-x\"}");
        assertThat(unknownFailover.statusCode()).isEqualTo(404);
        assertThat(message(unknownFailover)).contains("grafana-x");

        assertThat(post("/api/failover", ADMIN_TOKEN, "{\"to\":").statusCode()).isEqualTo(400);
        assertThat(post("/api/failover", ADMIN_TOKEN, "{}").statusCode()).isEqualTo(400);
        assertThat(post("/api/failover", ADMIN_TOKEN, null).statusCode()).isEqualTo(400);
        assertThat(post("/api/backends/grafana-a/reboot", ADMIN_TOKEN, null).statusCode()).isEqualTo(404);

        HttpResponse<String> getFailover = get("/api/failover");
        assertThat(getFailover.statusCode()).isEqualTo(405);
        assertThat(getFailover.headers().firstValue("allow")).hasValue("POST");
        assertThat(post("/api/status", ADMIN_TOKEN, null).statusCode()).isEqualTo(405);

        HttpResponse<String> sync = post("/api/sync", ADMIN_TOKEN, null);
        assertThat(sync.statusCode()).isEqualTo(404);
        assertThat(sync.body()).isEqualTo("{\"message\":\"sync is not configured\"}");

        assertThat(status().at("/active").toString()).isEqualTo("[\"grafana-a\"]");
    }

    @Test
    void noSecretAppearsInStatusOrMetrics() throws Exception {
        start(ADMIN_TOKEN);
        post("/api/failover", ADMIN_TOKEN, "{\"to\":\"grafana-b\"}");
        post("/api/failover", "wrong-" + ADMIN_TOKEN, "{\"to\":\"grafana-a\"}");

        String everything = get("/api/status").body() + metrics() + get("/readyz").body();

        assertThat(everything).doesNotContain(ADMIN_TOKEN, API_TOKEN_A, API_TOKEN_B, a.token());
    }
}
