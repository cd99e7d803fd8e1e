package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.config.AccessLogConfig;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.Http2Config;
import io.grafanaha.gateway.config.RateLimitConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.TestCertificates;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
    @TempDir
    Path dir;
    private Path file;
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private Http2Config http2 = Http2Config.DEFAULT;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    private ProxyServer proxy(AccessLogConfig.Format format, double sample, RateLimitConfig limits) {
        a = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
        resources.add(0, a);
        b = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b"));
        resources.add(0, b);
        file = dir.resolve("access.log");
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", a.port()).backend("grafana-b", b.port())
                .rateLimits(limits).http2(http2).build()
                .withAccessLog(new AccessLogConfig(true, format, Optional.of(file), sample, "10MB", 2));
        ProxyServer proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();
        resources.add(0, proxy);
        return proxy;
    }

    private ProxyServer jsonProxy() {
        return proxy(AccessLogConfig.Format.JSON, 1.0, RateLimitConfig.DEFAULT);
    }

    private HttpResponse<String> get(ProxyServer proxy, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path))
                .header("Authorization", "Bearer " + a.token());
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<String> lines() throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private List<JsonNode> jsonLines(int atLeast) throws IOException {
        await().atMost(Duration.ofSeconds(10)).until(() -> lines().size() >= atLeast);
        List<JsonNode> parsed = new ArrayList<>();
        for (String line : lines()) {
            parsed.add(JSON.readTree(line));
        }
        return parsed;
    }

    private static List<JsonNode> withId(List<JsonNode> lines, String requestId) {
        return lines.stream().filter(l -> requestId.equals(l.path("requestId").asText())).toList();
    }

    @Test
    void aRequestIsOneJsonLineSayingWhoAskedWhatAndWhoAnswered() throws Exception {
        ProxyServer proxy = jsonProxy();

        HttpResponse<String> response = get(proxy, "/api/search?query=cpu&api_key=s3cret&auth_token=abc&limit=5",
                "X-Request-Id", "req-1", "X-Dashboard-Uid", "dash-7", "X-Panel-Id", "12",
                "traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01", "X-Real-IP", "6.6.6.6");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode line = withId(jsonLines(1), "req-1").get(0);
        assertThat(line.path("client").asText()).isEqualTo("127.0.0.1");
        assertThat(line.path("method").asText()).isEqualTo("GET");
        assertThat(line.path("path").asText()).isEqualTo("/api/search?query=cpu&api_key=***&auth_token=***&limit=5");
        assertThat(lines().get(0)).doesNotContain("s3cret").doesNotContain("abc");
        assertThat(line.path("status").asInt()).isEqualTo(200);
        assertThat(line.path("bytesOut").asLong()).isEqualTo(response.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertThat(line.path("bytesIn").asLong()).isZero();
        assertThat(line.path("backend").asText()).isEqualTo("grafana-a");
        assertThat(line.path("attempts").asInt()).isEqualTo(1);
        assertThat(line.has("retryCause")).isFalse();
        assertThat(line.path("traceId").asText()).isEqualTo(TRACE_ID);
        assertThat(line.path("dashboardUid").asText()).isEqualTo("dash-7");
        assertThat(line.path("panelId").asText()).isEqualTo("12");
        assertThat(line.path("durationMs").asDouble()).isGreaterThan(0);
        assertThat(line.path("time").asText()).endsWith("Z");
    }

    @Test
    void aRetriedRequestIsStillOneLineCountingItsAttemptsAndWhy() throws Exception {
        ProxyServer proxy = jsonProxy();
        a.inject5xx(503, 1);

        HttpResponse<String> response = get(proxy, "/api/search", "X-Request-Id", "retried-1");

        assertThat(response.statusCode()).isEqualTo(200);
        get(proxy, "/api/search", "X-Request-Id", "after-it"); // the retried line is written before this one
        List<JsonNode> lines = jsonLines(2);
        assertThat(withId(lines, "retried-1")).hasSize(1);
        JsonNode line = withId(lines, "retried-1").get(0);
        assertThat(line.path("status").asInt()).isEqualTo(200);
        assertThat(line.path("backend").asText()).isEqualTo("grafana-b");
        assertThat(line.path("attempts").asInt()).isEqualTo(2);
        assertThat(line.path("retryCause").asText()).isNotBlank();
    }

    @Test
    void aBackends5xxIsOneLineNamingThatBackend() throws Exception {
        ProxyServer proxy = jsonProxy();
        a.inject5xx(500, 1); // a 500 is Grafana's own answer: not retried

        HttpResponse<String> response = get(proxy, "/api/search", "X-Request-Id", "five-hundred");

        assertThat(response.statusCode()).isEqualTo(500);
        List<JsonNode> lines = withId(jsonLines(1), "five-hundred");
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0).path("status").asInt()).isEqualTo(500);
        assertThat(lines.get(0).path("backend").asText()).isEqualTo("grafana-a");
        assertThat(lines.get(0).path("attempts").asInt()).isEqualTo(1);
        assertThat(lines.get(0).path("bytesOut").asLong()).isEqualTo(response.body().length());
    }

    @Test
    void aRequestTheGatewayRefusesAs400IsALineWithoutBackend() throws Exception {
        ProxyServer proxy = jsonProxy();

        io.grafanaha.gateway.testing.RawHttp.Reply reply = io.grafanaha.gateway.testing.RawHttp.send(proxy.port(),
                "GET /api/search HTTP/1.1\r\nHost: x\r\nX-Request-Id: ambiguous\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 5000);

        assertThat(reply.status()).isEqualTo(400);
        JsonNode line = withId(jsonLines(1), "ambiguous").get(0);
        assertThat(line.path("status").asInt()).isEqualTo(400);
        assertThat(line.path("backend").asText()).isEqualTo(ProxyMetrics.NO_BACKEND);
        assertThat(line.path("attempts").asInt()).isZero();
        assertThat(a.requestCount("/api/search")).isZero();
    }

    @Test
    void aFailureIsLoggedEvenWhenOrdinaryRequestsAreNotSampled() throws Exception {
        ProxyServer proxy = proxy(AccessLogConfig.Format.JSON, 0.0, RateLimitConfig.DEFAULT);
        get(proxy, "/api/search", "X-Request-Id", "ordinary");
        a.stop();
        b.stop();

        HttpResponse<String> response = get(proxy, "/api/search", "X-Request-Id", "failed");

        assertThat(response.statusCode()).isGreaterThanOrEqualTo(500);
        List<JsonNode> lines = jsonLines(1);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0).path("requestId").asText()).isEqualTo("failed");
        assertThat(lines.get(0).path("status").asInt()).isEqualTo(response.statusCode());
        assertThat(lines.get(0).path("bytesOut").asLong()).isEqualTo(response.body().length());
    }

    @Test
    void theGatewaysOwn429IsACombinedLineToo() throws Exception {
        var oneLogin = new RateLimitConfig(Optional.of(new RateLimitConfig.Rate(1, Duration.ofMinutes(1))), List.of(), 1000);
        ProxyServer proxy = proxy(AccessLogConfig.Format.COMBINED, 1.0, oneLogin);
        String body = "{\"user\":\"admin\",\"password\":\"x\"}";
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            HttpRequest login = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/login?password=hunter2"))
                    .header("Content-Type", "application/json").header("User-Agent", "test \"agent\"")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            statuses.add(http.send(login, HttpResponse.BodyHandlers.ofString()).statusCode());
        }

        assertThat(statuses.get(1)).isEqualTo(429);
        await().atMost(Duration.ofSeconds(10)).until(() -> lines().size() >= 2);
        List<String> lines = lines();
        assertThat(lines).hasSize(2);
        var combined = java.util.regex.Pattern.compile(
                "^127\\.0\\.0\\.1 - - \\[[^]]+] \"POST /login\\?password=\\*\\*\\* HTTP/1\\.1\" (\\d{3}) (\\d+) \"-\" \"test \\\\x22agent\\\\x22\" "
                + "rt=[0-9.]+ backend=(\\S+) attempts=(\\d+) retry=- in=(\\d+) rid=\\S+ trace=\\S+ dash=- panel=-$");
        var first = combined.matcher(lines.get(0));
        var second = combined.matcher(lines.get(1));
        assertThat(first.matches()).as(lines.get(0)).isTrue();
        assertThat(second.matches()).as(lines.get(1)).isTrue();
        assertThat(first.group(3)).isEqualTo("grafana-a");
        assertThat(first.group(5)).isEqualTo(Integer.toString(body.length()));
        assertThat(second.group(1)).isEqualTo("429");
        assertThat(second.group(3)).isEqualTo(ProxyMetrics.NO_BACKEND);
        assertThat(second.group(4)).isEqualTo("0");
    }

    @Test
    void aWebSocketIsLoggedWhenItsTunnelClosesWithTheTunnelsDuration() throws Exception {
        ProxyServer proxy = jsonProxy();
        java.net.http.WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Authorization", "Bearer " + a.token())
                .header("X-Request-Id", "live-1")
                .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + "/api/live/ws"), new java.net.http.WebSocket.Listener() {})
                .get(5, java.util.concurrent.TimeUnit.SECONDS);
        get(proxy, "/api/search", "X-Request-Id", "while-open");
        jsonLines(1);
        assertThat(withId(jsonLines(1), "live-1")).isEmpty();

        ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye").get(5, java.util.concurrent.TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> withId(jsonLines(1), "live-1").size() == 1);
        JsonNode line = withId(jsonLines(1), "live-1").get(0);
        assertThat(line.path("status").asInt()).isEqualTo(101);
        assertThat(line.path("websocket").asBoolean()).isTrue();
        assertThat(line.path("backend").asText()).isEqualTo("grafana-a");
        assertThat(line.path("durationMs").asDouble())
                .isGreaterThanOrEqualTo(withId(jsonLines(1), "while-open").get(0).path("durationMs").asDouble());
    }

    @Test
    void anHttp2RequestIsLoggedAsHttp2NotAsTheHttp11ItBecomesTowardGrafana() throws Exception {
        assumeTrue(Http2ListenerTest.curlSpeaksHttp2(), "curl with HTTP/2 support is not on the PATH");
        http2 = Http2Config.DEFAULT.withH2c(true);
        ProxyServer proxy = jsonProxy();
        String url = "http://127.0.0.1:" + proxy.port() + "/api/search";

        TestCertificates.Result h2 = TestCertificates.run(dir, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_version}",
                "--http2-prior-knowledge", "-H", "Authorization: Bearer " + a.token(), "-H", "X-Request-Id: over-h2", url);
        TestCertificates.Result h1 = TestCertificates.run(dir, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_version}",
                "--http1.1", "-H", "Authorization: Bearer " + a.token(), "-H", "X-Request-Id: over-h1", url);

        assertThat(h2.output()).isEqualTo("2");
        assertThat(h1.output()).isEqualTo("1.1");
        await().atMost(Duration.ofSeconds(10)).until(() -> withId(jsonLines(1), "over-h1").size() == 1
                && withId(jsonLines(1), "over-h2").size() == 1);
        assertThat(withId(jsonLines(2), "over-h2").get(0).path("protocol").asText()).isEqualTo("HTTP/2.0");
        assertThat(withId(jsonLines(2), "over-h2").get(0).path("status").asInt()).isEqualTo(200);
        // The same answer, the same body bytes noted, whichever protocol carried it.
        assertThat(withId(jsonLines(2), "over-h2").get(0).path("bytesOut").asLong()).isPositive()
                .isEqualTo(withId(jsonLines(2), "over-h1").get(0).path("bytesOut").asLong());
        assertThat(withId(jsonLines(2), "over-h1").get(0).path("protocol").asText()).isEqualTo("HTTP/1.1");
    }
}
