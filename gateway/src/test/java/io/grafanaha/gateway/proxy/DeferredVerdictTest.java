package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.health.Backend;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An observer that needs time to decide ({@link RequestObserver.Verdict.Later}) holds the request, not the event
 * loop: the request then goes as decided (its body rewritten, or answered by the gateway), and an observer that
 * fails or never decides lets it through unchanged.
 */
class DeferredVerdictTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final GrafanaEmulator grafana = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
    private ProxyServer proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.shutdown(Duration.ZERO);
        }
        grafana.close();
    }

    /** Watches saves and decides each with {@code decide}, given the request body. */
    private void start(Duration responseTimeout, Function<String, RequestObserver.Verdict> decide) {
        RequestObserver observer = new RequestObserver() {
            @Override
            public Optional<String> watches(String method, String path) {
                return method.equals("POST") && path.equals("/api/dashboards/db") ? Optional.of("dashboard-save") : Optional.empty();
            }

            @Override
            public Verdict onRequest(Backend backend, ObservedRequest request) {
                return decide.apply(new String(request.body(), StandardCharsets.UTF_8));
            }
        };
        GatewayConfig config = ConfigFixture.gateway().responseTimeout(responseTimeout).backend("grafana-a", grafana.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).observer(observer).start();
    }

    private HttpResponse<String> save(String uid, String title) throws Exception {
        String body = "{\"dashboard\":{\"uid\":\"" + uid + "\",\"title\":\"" + title + "\"},\"overwrite\":false}";
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/api/dashboards/db"))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + grafana.token())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static RequestObserver.Verdict later(Function<String, RequestObserver.Verdict> decide, String body) {
        return new RequestObserver.Verdict.Later(CompletableFuture.supplyAsync(() -> decide.apply(body),
                CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS)));
    }

    @Test
    void aBodyRewrittenLaterIsWhatTheBackendGetsWithItsOwnLength() throws Exception {
        start(Duration.ofSeconds(30), body -> later(b -> new RequestObserver.Verdict.Forward(
                (backend, status, response) -> CompletableFuture.completedFuture(null),
                b.replace("\"Short\"", "\"A much longer title, rewritten\"").getBytes(StandardCharsets.UTF_8)), body));

        HttpResponse<String> saved = save("d1", "Short");

        assertThat(saved.statusCode()).isEqualTo(200);
        assertThat(grafana.dashboard("d1").orElseThrow().title()).isEqualTo("A much longer title, rewritten");
        // The connection serves the next request as usual.
        assertThat(save("d2", "Short").statusCode()).isEqualTo(200);
        assertThat(proxy.inFlight()).isZero();
    }

    @Test
    void anAnswerDecidedLaterReachesTheClientAndNoBackend() throws Exception {
        start(Duration.ofSeconds(30), body -> later(b -> new RequestObserver.Verdict.Answer(
                LocalResponse.json(412, "{\"status\":\"version-mismatch\"}")), body));

        HttpResponse<String> refused = save("d1", "Short");

        assertThat(refused.statusCode()).isEqualTo(412);
        assertThat(grafana.requestCount("/api/dashboards/db")).isZero();
    }

    @Test
    void aDecisionThatFailsForwardsTheRequestUnchanged() throws Exception {
        start(Duration.ofSeconds(30), body -> new RequestObserver.Verdict.Later(
                CompletableFuture.failedFuture(new IllegalStateException("the backend could not be read"))));

        assertThat(save("d1", "Short").statusCode()).isEqualTo(200);
        assertThat(grafana.dashboard("d1").orElseThrow().title()).isEqualTo("Short");
    }

    @Test
    void aDecisionThatNeverComesForwardsTheRequestUnchangedAfterTheResponseTimeout() throws Exception {
        start(Duration.ofSeconds(1), body -> new RequestObserver.Verdict.Later(new CompletableFuture<>()));
        long started = System.nanoTime();

        assertThat(save("d1", "Short").statusCode()).isEqualTo(200);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(grafana.dashboard("d1").orElseThrow().title()).isEqualTo("Short");
    }
}
