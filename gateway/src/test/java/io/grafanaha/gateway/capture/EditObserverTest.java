package io.grafanaha.gateway.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.proxy.LocalResponse;
import io.grafanaha.gateway.proxy.ProxyServer;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.health.Backend;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EditObserverTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final GrafanaEmulator grafana = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Recorder recorder = new Recorder();
    private ProxyServer proxy;
    private GrafanaEmulator second;

    record Success(Backend backend, WatchedRequest request, int status, byte[] body) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    /** Records every call; {@code guard} decides the answer before forwarding. */
    static final class Recorder implements EditObserver {
        final List<WatchedRequest> before = new CopyOnWriteArrayList<>();
        final List<Success> after = new CopyOnWriteArrayList<>();
        volatile Function<WatchedRequest, Optional<LocalResponse>> guard = r -> Optional.empty();
        volatile boolean failAfter;

        @Override
        public Optional<LocalResponse> beforeForward(Backend backend, WatchedRequest request) {
            before.add(request);
            return guard.apply(request);
        }

        @Override
        public CompletionStage<Void> afterSuccess(Backend backend, WatchedRequest request, int status, byte[] responseBody) {
            after.add(new Success(backend, request, status, responseBody));
            if (failAfter) {
                throw new IllegalStateException("observer bug");
            }
            return CompletableFuture.completedFuture(null);
        }
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.shutdown(Duration.ZERO);
        }
        grafana.close();
        if (second != null) {
            second.close();
        }
    }

    /** grafana-a first (the static router prefers it), then grafana-b, with one retry allowed. */
    private void startWithTwoBackends() {
        second = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b"));
        GatewayConfig config = ConfigFixture.gateway().retries(1)
                .backend("grafana-a", grafana.port()).backend("grafana-b", second.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), registry).observer(new EditHook(recorder)).start();
    }

    private void start() {
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", grafana.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), registry).observer(new EditHook(recorder)).start();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + grafana.token())
                .header("Content-Type", "application/json");
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static String dashboard(String uid, int version) {
        return "{ \"dashboard\" : {\"uid\":\"" + uid + "\",\"title\":\"Dash " + uid + "\",\"version\":" + version + "},\n"
                + "  \"overwrite\": false, \"message\": \"via the gateway\" }";
    }

    private double counter(String name, String... tags) {
        var counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aDashboardSaveIsForwardedUnchangedAndReportedWithGrafanasAnswer() throws Exception {
        start();
        String body = dashboard("d1", 0);

        HttpResponse<String> response = send(request("/api/dashboards/db?source=ui")
                .header("Origin", "http://grafana.example")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(grafana.dashboard("d1")).isPresent();
        assertThat(grafana.lastRequest()).hasValueSatisfying(r -> {
            assertThat(r.body()).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
            assertThat(r.header("origin")).hasValue("http://grafana.example");
            assertThat(r.header("host")).hasValue("127.0.0.1:" + proxy.port());
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.after.size() == 1);
        Success success = recorder.after.get(0);
        assertThat(success.status()).isEqualTo(200);
        assertThat(success.backend().name()).isEqualTo("grafana-a");
        assertThat(new String(success.body(), StandardCharsets.UTF_8)).isEqualTo(response.body());
        assertThat(success.json().path("status").asText()).isEqualTo("success");
        assertThat(success.json().path("uid").asText()).isEqualTo("d1");
        assertThat(success.json().path("version").asInt()).isEqualTo(1);
        assertThat(success.request().body()).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
        assertThat(success.request().uri()).isEqualTo("/api/dashboards/db?source=ui");
        assertThat(success.request().write()).hasValueSatisfying(w -> assertThat(w).isInstanceOf(GrafanaWrite.DashboardSave.class)
                .extracting(w2 -> ((GrafanaWrite.DashboardSave) w2).uid()).isEqualTo(Optional.of("d1")));
        assertThat(recorder.before).hasSize(1);
        assertThat(counter("gateway.edits.observed", "kind", "dashboard-save")).isEqualTo(1);
    }

    @Test
    void deletesAndFolderWritesAreObservedWithTheirKindAndUid() throws Exception {
        start();
        assertThat(post("/api/folders", "{\"uid\":\"f1\",\"title\":\"Team\"}").statusCode()).isEqualTo(200);
        assertThat(post("/api/folders", "{\"uid\":\"f2\",\"title\":\"Parent\"}").statusCode()).isEqualTo(200);
        assertThat(send(request("/api/folders/f1").PUT(HttpRequest.BodyPublishers.ofString("{\"title\":\"Team 2\",\"version\":1}"))
                .build()).statusCode()).isEqualTo(200);
        assertThat(post("/api/folders/f1/move", "{\"parentUid\":\"f2\"}").statusCode()).isEqualTo(200);
        assertThat(post("/api/dashboards/db", dashboard("d2", 0)).statusCode()).isEqualTo(200);
        assertThat(send(request("/api/dashboards/uid/d2").DELETE().build()).statusCode()).isEqualTo(200);
        assertThat(send(request("/api/folders/f2").DELETE().build()).statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.after.size() == 7);
        List<GrafanaWrite> writes = recorder.after.stream().map(s -> s.request().write().orElseThrow()).toList();
        assertThat(writes).containsExactly(
                new GrafanaWrite.FolderCreate(Optional.of("f1"), Optional.empty()),
                new GrafanaWrite.FolderCreate(Optional.of("f2"), Optional.empty()),
                new GrafanaWrite.FolderUpdate("f1", java.util.OptionalLong.of(1), false),
                new GrafanaWrite.FolderMove("f1", "f2"),
                new GrafanaWrite.DashboardSave(Optional.of("d2"), java.util.OptionalLong.of(0), false, Optional.empty()),
                new GrafanaWrite.DashboardDelete("d2"),
                new GrafanaWrite.FolderDelete("f2"));
        assertThat(grafana.folders()).isEmpty();
        assertThat(counter("gateway.edits.observed", "kind", "folder-create")).isEqualTo(2);
        assertThat(counter("gateway.edits.observed", "kind", "dashboard-delete")).isEqualTo(1);
    }

    @Test
    void aStaleSaveThatGrafanaRefusesIsNotReportedAsAnEdit() throws Exception {
        start();
        assertThat(post("/api/dashboards/db", dashboard("d1", 0)).statusCode()).isEqualTo(200);

        HttpResponse<String> stale = post("/api/dashboards/db", dashboard("d1", 0));

        assertThat(stale.statusCode()).isEqualTo(412);
        assertThat(stale.body()).contains("version-mismatch");
        assertThat(recorder.before).hasSize(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.after.size() == 1);
        // One more exchange after the 412 on the same client: had the 412 been reported, it would show by now.
        assertThat(send(request("/api/health").GET().build()).statusCode()).isEqualTo(200);
        assertThat(recorder.after).hasSize(1);
    }

    @Test
    void readsAreNotWatched() throws Exception {
        start();
        grafana.putDashboard(JSON.createObjectNode().put("uid", "d1").put("title", "D"), "");

        assertThat(send(request("/api/dashboards/uid/d1").GET().build()).statusCode()).isEqualTo(200);
        assertThat(post("/api/search", "{}").statusCode()).isNotZero();

        assertThat(recorder.before).isEmpty();
        assertThat(recorder.after).isEmpty();
    }

    @Test
    void theGuardAnswersAStaleSaveItselfAndGrafanaNeverSeesIt() throws Exception {
        recorder.guard = r -> r.write().filter(w -> w instanceof GrafanaWrite.DashboardSave s && s.uid().equals(Optional.of("x")))
                .map(w -> GrafanaWrites.dashboardVersionMismatch());
        start();

        HttpResponse<String> refused = post("/api/dashboards/db", dashboard("x", 3));
        HttpResponse<String> other = post("/api/dashboards/db", dashboard("y", 0));

        assertThat(refused.statusCode()).isEqualTo(412);
        assertThat(refused.body()).isEqualTo("{\"status\":\"version-mismatch\",\"message\":\"The dashboard has been changed by someone else\"}");
        assertThat(refused.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(grafana.requestCount("/api/dashboards/db")).isEqualTo(1);
        assertThat(grafana.dashboard("x")).isEmpty();
        assertThat(grafana.dashboard("y")).isPresent();
        assertThat(counter("gateway.edits.rejected")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.after.size() == 1);
        assertThat(recorder.after.get(0).json().path("uid").asText()).isEqualTo("y");
    }

    @Test
    void theBasicAuthUserIsReportedAndABearerTokenNamesNobody() throws Exception {
        start();
        String basic = "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> asAdmin = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/api/dashboards/db"))
                .header("Authorization", basic).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(dashboard("d1", 0))).build());
        HttpResponse<String> asToken = post("/api/dashboards/db", dashboard("d2", 0));

        assertThat(asAdmin.statusCode()).isEqualTo(200);
        assertThat(asToken.statusCode()).isEqualTo(200);
        assertThat(recorder.before).extracting(WatchedRequest::user).containsExactly(Optional.of("admin"), Optional.empty());
    }

    @Test
    void aBodyOverTenMebibytesIsForwardedUnobserved() throws Exception {
        start();
        String pad = "x".repeat(12 * 1024 * 1024);
        String body = "{\"dashboard\":{\"uid\":\"big\",\"title\":\"Big\",\"description\":\"" + pad + "\"}}";

        HttpResponse<String> response = post("/api/dashboards/db", body);

        assertThat(response.statusCode()).isBetween(200, 599);
        assertThat(grafana.lastRequest()).hasValueSatisfying(r -> assertThat(r.body()).hasSize(body.length()));
        assertThat(recorder.before).isEmpty();
        assertThat(recorder.after).isEmpty();
        assertThat(counter("gateway.edits.unobserved")).isEqualTo(1);
        // The proxy is still fine for the next save.
        assertThat(post("/api/dashboards/db", dashboard("small", 0)).statusCode()).isEqualTo(200);
        assertThat(recorder.before).hasSize(1);
    }

    @Test
    void aChunkedBodyOverTenMebibytesIsForwardedUnobserved() throws Exception {
        start();
        byte[] body = ("{\"dashboard\":{\"uid\":\"big\",\"title\":\"Big\",\"description\":\"" + "y".repeat(11 * 1024 * 1024) + "\"}}")
                .getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> response = send(request("/api/dashboards/db")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build());

        assertThat(response.statusCode()).isBetween(200, 599);
        assertThat(grafana.lastRequest()).hasValueSatisfying(r -> assertThat(r.body()).isEqualTo(body));
        assertThat(recorder.before).isEmpty();
    }

    @Test
    void aChunkedSaveIsObservedAndReachesGrafanaWhole() throws Exception {
        start();
        byte[] body = dashboard("chunky", 0).getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> response = send(request("/api/dashboards/db")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build());

        assertThat(response.statusCode()).isEqualTo(200);
        // The emulator aggregates the chunks; what matters is that the whole body arrived as sent.
        assertThat(grafana.lastRequest()).hasValueSatisfying(r -> assertThat(r.body()).isEqualTo(body));
        assertThat(grafana.dashboard("chunky")).isPresent();
        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.after.size() == 1);
        assertThat(recorder.after.get(0).request().body()).isEqualTo(body);
    }

    @Test
    void aSaveExpecting100ContinueGetsItFromTheGateway() throws Exception {
        start();

        HttpResponse<String> response = send(request("/api/dashboards/db").expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofString(dashboard("d1", 0))).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(grafana.dashboard("d1")).isPresent();
        assertThat(grafana.lastRequest()).hasValueSatisfying(r -> assertThat(r.header("expect")).isEmpty());
        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.after.size() == 1);
    }

    @Test
    void aSaveThatNeverReachedItsBackendGoesElsewhereAndIsReportedFromThere() throws Exception {
        startWithTwoBackends();
        grafana.stop();

        HttpResponse<String> response = post("/api/dashboards/db", dashboard("d1", 0));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(second.dashboard("d1")).isPresent();
        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.after.size() == 1);
        assertThat(recorder.after.get(0).backend().name()).isEqualTo("grafana-b");
        assertThat(recorder.before).hasSize(1);
    }

    @Test
    void aSaveAnswered503IsNotRetriedNorReported() throws Exception {
        startWithTwoBackends();
        grafana.inject5xx(503, 1);

        HttpResponse<String> response = post("/api/dashboards/db", dashboard("d1", 0));

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(second.requestCount("/api/dashboards/db")).isZero();
        assertThat(send(request("/api/health").GET().build()).statusCode()).isEqualTo(200);
        assertThat(recorder.after).isEmpty();
    }

    @Test
    void anObserverThatThrowsBeforeForwardingLetsTheSaveThrough() throws Exception {
        recorder.guard = r -> {
            throw new IllegalStateException("observer bug");
        };
        start();

        HttpResponse<String> response = post("/api/dashboards/db", dashboard("d1", 0));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(grafana.dashboard("d1")).isPresent();
        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.after.size() == 1);
    }

    @Test
    void aPipelinedRequestAfterAChunkedSaveIsServedInOrder() {
        start();
        String part1 = "{\"dashboard\":{\"uid\":\"p1\",";
        String part2 = "\"title\":\"Pipelined\"}}";
        String raw = "POST /api/dashboards/db HTTP/1.1\r\nHost: g\r\nAuthorization: Bearer " + grafana.token() + "\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(part1.length()) + "\r\n" + part1 + "\r\n"
                + Integer.toHexString(part2.length()) + "\r\n" + part2 + "\r\n0\r\n\r\n"
                + "GET /api/health HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n";

        io.grafanaha.gateway.testing.RawHttp.Reply reply = io.grafanaha.gateway.testing.RawHttp.send(proxy.port(), raw, 5000);

        // Counted by text: the first body does not end in a newline, so the second status line shares its line.
        assertThat(reply.count("HTTP/1.1 200 OK")).isEqualTo(2);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.text()).contains("\"uid\":\"p1\"").contains("\"database\"");
        assertThat(reply.text().indexOf("\"uid\":\"p1\"")).isLessThan(reply.text().indexOf("\"database\""));
        assertThat(grafana.dashboard("p1")).isPresent();
        assertThat(recorder.before).singleElement().satisfies(r ->
                assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(part1 + part2));
    }

    @Test
    void aClientThatLeavesMidBodyLeavesNothingBehind() {
        start();

        io.grafanaha.gateway.testing.RawHttp.send(proxy.port(), "POST /api/dashboards/db HTTP/1.1\r\nHost: g\r\n"
                + "Content-Length: 100\r\n\r\n{\"dashboard\":", 200);

        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.inFlight() == 0);
        assertThat(grafana.requestCount("/api/dashboards/db")).isZero();
        assertThat(recorder.before).isEmpty();
    }

    @Test
    void anObserverThatThrowsAfterSuccessDoesNotChangeTheClientsResponse() throws Exception {
        recorder.failAfter = true;
        start();

        HttpResponse<String> first = post("/api/dashboards/db", dashboard("d1", 0));
        HttpResponse<String> second = post("/api/dashboards/db", dashboard("d2", 0));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(first.body()).path("uid").asText()).isEqualTo("d1");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(second.body()).path("uid").asText()).isEqualTo("d2");
        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.after.size() == 2);
    }
}
