package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.TracingConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * With {@code tracing.otlp-endpoint} set, each proxied request's span reaches an OTLP/HTTP receiver (a JDK HttpServer
 * standing in for an OpenTelemetry Collector) carrying the very trace id and span id Grafana got in {@code traceparent}.
 * The protobuf is not decoded: ids are looked for as their raw bytes, names as their UTF-8 bytes.
 */
class SpanExportTest {
    private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_PARENT = "00f067aa0ba902b7";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
    private final List<byte[]> exports = new CopyOnWriteArrayList<>();
    private GrafanaEmulator a;
    private GrafanaEmulator b;

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

    /** Records the body of every POST to /v1/traces and answers it with an empty (valid) export response. */
    private URI collector() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                if ("POST".equals(exchange.getRequestMethod())) {
                    exports.add(in.readAllBytes());
                }
            }
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        track(() -> server.stop(0));
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces");
    }

    private ProxyServer proxy() throws Exception {
        return proxy(1.0);
    }

    private ProxyServer proxy(double sample) throws Exception {
        URI collector = collector();
        a = track(GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a")));
        b = track(GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b")));
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", a.port()).backend("grafana-b", b.port()).build()
                .withTracing(new TracingConfig(Optional.of(collector), sample, TracingConfig.DEFAULT_SERVICE_NAME));
        return track(new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry())
                .tracingExportDelay(Duration.ofMillis(50)).start());
    }

    private void get(ProxyServer proxy, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/api/search"))
                .header("Authorization", "Bearer " + a.token());
        if (headers.length > 0) {
            request.headers(headers);
        }
        assertThat(http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    private static String traceparentAt(GrafanaEmulator grafana) {
        return grafana.lastRequest().flatMap(r -> r.header("traceparent")).orElseThrow();
    }

    /** How many times {@code needle} occurs in all exports together. */
    private int occurrences(byte[] needle) {
        int count = 0;
        for (byte[] body : exports) {
            for (int i = 0; i + needle.length <= body.length; i++) {
                int j = 0;
                while (j < needle.length && body[i + j] == needle[j]) {
                    j++;
                }
                if (j == needle.length) {
                    count++;
                }
            }
        }
        return count;
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theExportedSpanIsTheOneGrafanaSeesAsItsParentAndTheClientsSpanIsItsParent() throws Exception {
        ProxyServer proxy = proxy();

        get(proxy, "traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_PARENT + "-01");

        String seen = traceparentAt(a);
        assertThat(seen.substring(3, 35)).isEqualTo(CLIENT_TRACE);
        String gatewaySpan = seen.substring(36, 52);
        await().atMost(Duration.ofSeconds(20)).until(() -> occurrences(hex(gatewaySpan)) > 0);
        assertThat(occurrences(hex(CLIENT_TRACE))).as("one span of the client's trace").isEqualTo(1);
        assertThat(occurrences(hex(CLIENT_PARENT))).as("its parent id").isEqualTo(1);
        assertThat(occurrences(utf8("grafana-ha-gateway"))).as("service.name").isPositive();
        assertThat(occurrences(utf8("/api/search"))).as("url.path").isPositive();
    }

    @Test
    void aRequestWithoutTraceContextStartsATraceWhoseSpanIsExported() throws Exception {
        ProxyServer proxy = proxy();

        get(proxy);

        String seen = traceparentAt(a);
        await().atMost(Duration.ofSeconds(20)).until(() -> occurrences(hex(seen.substring(3, 35))) > 0);
        assertThat(occurrences(hex(seen.substring(36, 52)))).isEqualTo(1);
        // Sampled; the SDK may also set W3C level 2's random-trace-id flag (03), which level 1 readers ignore.
        assertThat(Integer.parseInt(seen.substring(53, 55), 16) & 1).as(seen).isEqualTo(1);
    }

    @Test
    void aRetriedRequestIsOneSpanWithAnEventForEachAttempt() throws Exception {
        ProxyServer proxy = proxy();
        a.stop();

        get(proxy);

        String seen = traceparentAt(b);
        String trace = seen.substring(3, 35);
        await().atMost(Duration.ofSeconds(20)).until(() -> occurrences(hex(trace)) > 0);
        assertThat(occurrences(hex(trace))).as("exported once").isEqualTo(1);
        assertThat(occurrences(utf8("attempt"))).as("two attempt events, and the gateway.attempts attribute's key")
                .isGreaterThanOrEqualTo(2);
        assertThat(occurrences(utf8("connect-refused"))).as("the first attempt's outcome and the span's retry cause")
                .isEqualTo(2);
        assertThat(occurrences(utf8("grafana-a"))).as("the first attempt's backend").isEqualTo(1);
        assertThat(occurrences(utf8("grafana-b"))).as("the second attempt's backend and the span's").isEqualTo(2);
    }

    @Test
    void aSampleOfZeroRecordsNoTraceBegunHereButStillTheClientsSampledOnes() throws Exception {
        ProxyServer proxy = proxy(0);

        get(proxy);
        String unsampled = traceparentAt(a);
        get(proxy, "traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_PARENT + "-01");

        assertThat(Integer.parseInt(unsampled.substring(53, 55), 16) & 1).as("Grafana is told not to record it either")
                .isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> occurrences(hex(CLIENT_TRACE)) > 0);
        // Spans leave in the order they ended: had the first been recorded, it would have been sent by now.
        assertThat(occurrences(hex(unsampled.substring(3, 35)))).isZero();
    }
}
