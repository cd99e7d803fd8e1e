package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawHttp;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LocalRoutesTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final GrafanaEmulator grafana = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
    private final ScheduledExecutorService elsewhere = Executors.newSingleThreadScheduledExecutor();
    private final CopyOnWriteArrayList<LocalRequest> received = new CopyOnWriteArrayList<>();
    private ProxyServer proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.shutdown(Duration.ZERO);
        }
        grafana.close();
        elsewhere.shutdownNow();
    }

    /** A webhook handler that answers 202 from another thread, a little later. */
    private final LocalHandler webhook = request -> {
        received.add(request);
        CompletableFuture<LocalResponse> answer = new CompletableFuture<>();
        elsewhere.schedule(() -> answer.complete(LocalResponse.json(202, "{\"message\":\"sync queued\"}")), 20, TimeUnit.MILLISECONDS);
        return answer;
    };

    private void start() {
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", grafana.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry())
                .localRoutes((method, path) -> method.equals("POST") && path.equals("/_gateway/webhook")
                        ? Optional.of(webhook) : Optional.empty())
                .start();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + proxy.port() + path);
    }

    @Test
    void aClientThatExpects100ContinueIsToldToSendItsBody() throws Exception {
        start();
        byte[] body = "{\"ref\":\"refs/heads/main\"}".getBytes(StandardCharsets.UTF_8);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(3000); // curl waits 1 s for the interim answer; the test waits 3 s for it
            var out = socket.getOutputStream();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            out.write(("POST /_gateway/webhook HTTP/1.1\r\nHost: g\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();

            assertThat(in.readLine()).isEqualTo("HTTP/1.1 100 Continue");
            assertThat(in.readLine()).isEmpty();
            out.write(body);
            out.flush();
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 202 Accepted");
        }
        assertThat(received).singleElement().satisfies(r -> assertThat(r.body()).isEqualTo(body));
    }

    @Test
    void theWebhookIsAnsweredByTheGatewayWithItsBody() throws Exception {
        start();

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/_gateway/webhook?source=github"))
                .header("X-Hub-Signature-256", "sha256=abc")
                .POST(HttpRequest.BodyPublishers.ofString("{\"ref\":\"refs/heads/main\"}")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.body()).isEqualTo("{\"message\":\"sync queued\"}");
        assertThat(received).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.uri()).isEqualTo("/_gateway/webhook?source=github");
            assertThat(r.header("x-hub-signature-256")).hasValue("sha256=abc");
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("{\"ref\":\"refs/heads/main\"}");
        });
        assertThat(grafana.requestCount()).isZero();

        // The connection stays usable: the next request on it goes to Grafana as usual.
        assertThat(http.send(HttpRequest.newBuilder(uri("/api/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
    }

    @Test
    void unknownGatewayPathsAre404AndNeverForwarded() throws Exception {
        start();

        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(uri("/_gateway/x")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> wrongMethod = http.send(HttpRequest.newBuilder(uri("/_gateway/webhook")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("{\"message\":\"not found\"}");
        assertThat(wrongMethod.statusCode()).isEqualTo(404);
        assertThat(grafana.requestCount()).isZero();
        assertThat(received).isEmpty();
    }

    @Test
    void aBodyOverOneMebibyteIs413() {
        start();

        RawHttp.Reply declared = RawHttp.send(proxy.port(), "POST /_gateway/webhook HTTP/1.1\r\nHost: g\r\n"
                + "Content-Length: " + (2 * 1024 * 1024) + "\r\n\r\n{", 5000);

        assertThat(declared.status()).isEqualTo(413);
        assertThat(declared.closed()).isTrue();
        assertThat(received).isEmpty();
        assertThat(grafana.requestCount()).isZero();
    }

    @Test
    void aChunkedBodyGrowingPastOneMebibyteIs413() throws Exception {
        start();

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/_gateway/webhook"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(new byte[2 * 1024 * 1024])))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(received).isEmpty();
    }

    @Test
    void aFailingHandlerIs500() throws Exception {
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", grafana.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry())
                .localRoutes((method, path) -> Optional.of(request -> CompletableFuture.failedFuture(new IllegalStateException("boom"))))
                .start();

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/_gateway/webhook"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("boom");
    }
}
