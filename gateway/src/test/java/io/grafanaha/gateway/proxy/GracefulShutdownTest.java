package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.gateway.testing.TestBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GracefulShutdownTest {
    private final TestBackend backend = new TestBackend("a");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private ProxyServer proxy;

    @AfterEach
    void stop() {
        backend.close();
        proxy.shutdown(Duration.ZERO);
    }

    private ProxyServer start() {
        GatewayConfig config = ConfigFixture.gateway().backend("a", backend.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();
        return proxy;
    }

    private static boolean refusesConnections(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private CompletableFuture<HttpResponse<String>> slowRequest() {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/hold")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void inFlightRequestCompletesWhileNewConnectionsAreRefused() throws Exception {
        start();
        int port = proxy.port();
        CompletableFuture<HttpResponse<String>> inFlight = slowRequest();
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.holding() == 1);

        CompletableFuture<Boolean> shutdown = CompletableFuture.supplyAsync(() -> proxy.shutdown(Duration.ofSeconds(10)));
        await().atMost(Duration.ofSeconds(5)).until(() -> refusesConnections(port));
        assertThat(shutdown).isNotDone();

        backend.release();

        HttpResponse<String> response = inFlight.get();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("held");
        assertThat(response.headers().firstValue("connection")).contains("close");
        assertThat(shutdown.get()).as("drained within the grace period").isTrue();
    }

    @Test
    void idleKeepAliveConnectionsCloseAtOnce() throws Exception {
        start();
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.getOutputStream().write("GET /echo HTTP/1.1\r\nHost: g\r\n\r\n".getBytes());
            socket.setSoTimeout(5000);
            byte[] buf = new byte[4096];
            assertThat(socket.getInputStream().read(buf)).isPositive();

            assertThat(proxy.shutdown(Duration.ofSeconds(5))).isTrue();

            RawHttp.Reply rest = RawHttp.readAll(socket.getInputStream());
            assertThat(rest.closed()).isTrue();
        }
    }

    @Test
    void exchangesStillRunningWhenTheGraceEndsAreCut() throws Exception {
        start();
        CompletableFuture<HttpResponse<String>> inFlight = slowRequest();
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.holding() == 1);

        assertThat(proxy.shutdown(Duration.ofMillis(200))).isFalse();

        await().atMost(Duration.ofSeconds(5)).until(inFlight::isDone);
        assertThat(inFlight).isCompletedExceptionally();
    }
}
