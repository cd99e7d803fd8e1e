package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TraceContextTest {
    private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_PARENT = "00f067aa0ba902b7";
    private static final String CLIENT_TRACEPARENT = "00-" + CLIENT_TRACE + "-" + CLIENT_PARENT + "-01";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
    private GrafanaEmulator grafana;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    private ProxyServer proxy() {
        grafana = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
        resources.add(0, grafana);
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", grafana.port()).build();
        ProxyServer proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();
        resources.add(0, proxy);
        return proxy;
    }

    private void get(ProxyServer proxy, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/api/search"))
                .header("Authorization", "Bearer " + grafana.token());
        if (headers.length > 0) {
            request.headers(headers);
        }
        assertThat(http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    private Optional<String> seen(String header) {
        return grafana.lastRequest().flatMap(r -> r.header(header));
    }

    private String traceparentSeen() {
        String value = seen("traceparent").orElseThrow();
        assertThat(TraceContext.valid(value)).as(value).isTrue();
        return value;
    }

    @Test
    void theBackendContinuesTheClientsTraceAsAChildOfTheGatewaysSpan() throws Exception {
        ProxyServer proxy = proxy();

        get(proxy, "traceparent", CLIENT_TRACEPARENT, "tracestate", "vendor=opaque");

        String seen = traceparentSeen();
        assertThat(seen.substring(3, 35)).isEqualTo(CLIENT_TRACE);
        assertThat(seen.substring(36, 52)).isNotEqualTo(CLIENT_PARENT);
        assertThat(seen).endsWith("-01");
        assertThat(seen("tracestate")).hasValue("vendor=opaque");
    }

    @Test
    void anUnsampledTraceStaysUnsampled() throws Exception {
        ProxyServer proxy = proxy();

        get(proxy, "traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_PARENT + "-00");

        assertThat(traceparentSeen()).startsWith("00-" + CLIENT_TRACE + "-").endsWith("-00");
    }

    @Test
    void withoutTraceContextTheGatewayStartsASampledTrace() throws Exception {
        ProxyServer proxy = proxy();

        get(proxy);
        String first = traceparentSeen();
        get(proxy);
        String second = traceparentSeen();

        assertThat(first).startsWith("00-").endsWith("-01");
        assertThat(first.substring(3, 35)).isNotEqualTo(second.substring(3, 35));
    }

    @Test
    void aMalformedTraceparentIsReplacedAndItsTracestateDropped() throws Exception {
        ProxyServer proxy = proxy();

        get(proxy, "traceparent", "00-" + CLIENT_TRACE.toUpperCase() + "-" + CLIENT_PARENT + "-01", "tracestate", "vendor=opaque");

        assertThat(traceparentSeen().substring(3, 35)).isNotEqualTo(CLIENT_TRACE).isNotEqualTo(CLIENT_TRACE.toUpperCase());
        assertThat(seen("tracestate")).isEmpty();
    }

    @Test
    void validationFollowsTheW3cRules() {
        assertThat(TraceContext.valid(CLIENT_TRACEPARENT)).isTrue();
        assertThat(TraceContext.valid("01-" + CLIENT_TRACE + "-" + CLIENT_PARENT + "-01-future")).isTrue();
        assertThat(TraceContext.valid("00-" + CLIENT_TRACE + "-" + CLIENT_PARENT + "-01-more")).isFalse();
        assertThat(TraceContext.valid("ff-" + CLIENT_TRACE + "-" + CLIENT_PARENT + "-01")).isFalse();
        assertThat(TraceContext.valid("00-" + "0".repeat(32) + "-" + CLIENT_PARENT + "-01")).isFalse();
        assertThat(TraceContext.valid("00-" + CLIENT_TRACE + "-" + "0".repeat(16) + "-01")).isFalse();
        assertThat(TraceContext.valid("00-" + CLIENT_TRACE.substring(1) + "-" + CLIENT_PARENT + "-01")).isFalse();
        assertThat(TraceContext.valid("00-" + CLIENT_TRACE + "-" + CLIENT_PARENT + "-0g")).isFalse();
        assertThat(TraceContext.valid("01-" + CLIENT_TRACE + "-" + CLIENT_PARENT + "-01x")).isFalse();
        assertThat(TraceContext.valid(null)).isFalse();
    }
}
