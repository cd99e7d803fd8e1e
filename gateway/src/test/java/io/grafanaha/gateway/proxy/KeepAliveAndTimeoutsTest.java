package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.gateway.testing.TestBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeepAliveAndTimeoutsTest {
    private final TestBackend backend = new TestBackend("a");
    private ProxyServer proxy;

    @AfterEach
    void stop() {
        proxy.shutdown(Duration.ZERO);
        backend.close();
    }

    private ProxyServer start(ConfigFixture fixture) {
        GatewayConfig config = fixture.backend("a", backend.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();
        return proxy;
    }

    @Test
    void idleKeepAliveClientConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        start(ConfigFixture.gateway().idleTimeout(Duration.ofMillis(300)));
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.getOutputStream().write("GET /echo HTTP/1.1\r\nHost: g\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(5000);

            RawHttp.Reply reply = RawHttp.readAll(socket.getInputStream());

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.closed()).as("closed by the idle timeout, well before the 5 s read timeout").isTrue();
        }
    }

    @Test
    void aBackendConnectionOutlivesTheIdleTimeoutWhileAnsweringAndClosesOnceIdleInThePool() throws Exception {
        start(ConfigFixture.gateway().idleTimeout(Duration.ofMillis(300)));
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.getOutputStream().write("GET /hold HTTP/1.1\r\nHost: g\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(5000);
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.holding() == 1);

            await().during(Duration.ofMillis(900)).atMost(Duration.ofSeconds(3)).until(() -> proxy.openBackendConnections() == 1);
            backend.release();
            RawHttp.Reply reply = RawHttp.readAll(socket.getInputStream());

            assertThat(reply.status()).as("a slow answer is not an idle connection").isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openBackendConnections() == 0);
        }
    }

    @Test
    void clientThatStallsMidUploadIsCutAndItsBackendConnectionFreed() throws Exception {
        start(ConfigFixture.gateway().idleTimeout(Duration.ofMillis(300)));
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.getOutputStream().write("POST /upload HTTP/1.1\r\nHost: g\r\nContent-Length: 100000\r\n\r\npartial".getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(5000);
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.inFlight() == 1);

            RawHttp.Reply reply = RawHttp.readAll(socket.getInputStream());

            assertThat(reply.closed()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.inFlight() == 0 && proxy.openBackendConnections() == 0);
        }
    }

    @Test
    void expectContinueInterimResponsePassesThrough() throws Exception {
        start(ConfigFixture.gateway());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/upload"))
                .expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofString("hello"))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).startsWith("bytes=5 ");
    }

    @Test
    void connectTimeoutIs504() throws Exception {
        // A listener that never accepts, with its backlog full: Linux drops further SYNs, so connects hang.
        try (java.net.ServerSocket full = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            java.util.List<Socket> fillers = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket();
                try {
                    s.connect(full.getLocalSocketAddress(), 200);
                } catch (java.io.IOException e) {
                    // the backlog is full: that is the point
                }
                fillers.add(s);
            }
            GatewayConfig config = ConfigFixture.gateway().connectTimeout(Duration.ofMillis(300)).backend("slow", full.getLocalPort()).build();
            proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();

            RawHttp.Reply reply = RawHttp.send(proxy.port(), "GET / HTTP/1.1\r\nHost: g\r\n\r\n", 5000);

            assertThat(reply.status()).isEqualTo(504);
            assertThat(reply.body()).isEqualTo("{\"message\":\"Grafana backend slow did not accept a connection within 300 ms\"}");
            for (Socket s : fillers) {
                s.close();
            }
        }
    }
}
