package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.WebSocketEchoBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WebSocketTunnelTest {
    private final WebSocketEchoBackend backend = new WebSocketEchoBackend();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ProxyServer proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.shutdown(Duration.ZERO);
        }
        backend.close();
    }

    private ProxyServer start(Duration websocketIdle) {
        GatewayConfig config = ConfigFixture.gateway().backend("live", backend.port()).websocketIdleTimeout(websocketIdle).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), registry).start();
        return proxy;
    }

    /** Collects what the client side of the WebSocket sees. */
    static final class Recorder implements WebSocket.Listener {
        final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            messages.add(data.toString());
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            closed.complete("close " + status);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete("error " + error);
        }
    }

    private WebSocket connect(Recorder recorder) {
        return HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Origin", "https://grafana.example.com")
                .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + "/api/live/ws"), recorder)
                .join();
    }

    private double tunnels() {
        return registry.get("gateway.websocket.tunnels").gauge().value();
    }

    @Test
    void grafanaLiveFramesFlowBothWaysWithOriginUnchanged() throws Exception {
        start(Duration.ofSeconds(30));
        Recorder recorder = new Recorder();
        WebSocket ws = connect(recorder);

        ws.sendText("hello", true).join();
        assertThat(recorder.messages.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:hello");
        ws.sendText("again", true).join();
        assertThat(recorder.messages.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:again");

        assertThat(backend.handshakeHeaders().get("Origin")).isEqualTo("https://grafana.example.com");
        assertThat(backend.handshakeHeaders().get("Host")).isEqualTo("127.0.0.1:" + proxy.port());
        assertThat(tunnels()).isEqualTo(1.0);
    }

    @Test
    void clientClosingClosesTheBackendSide() {
        start(Duration.ofSeconds(30));
        Recorder recorder = new Recorder();
        WebSocket ws = connect(recorder);
        ws.sendText("x", true).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.openConnections() == 1);

        ws.abort();

        await().atMost(Duration.ofSeconds(5)).until(() -> backend.openConnections() == 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> tunnels() == 0.0);
    }

    @Test
    void backendDroppingClosesTheClientSide() {
        start(Duration.ofSeconds(30));
        Recorder recorder = new Recorder();
        connect(recorder);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.openConnections() == 1);

        backend.dropAll();

        await().atMost(Duration.ofSeconds(5)).until(recorder.closed::isDone);
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openBackendConnections() == 0);
    }

    @Test
    void idleTunnelIsClosedAfterItsOwnTimeout() {
        start(Duration.ofMillis(300));
        Recorder recorder = new Recorder();
        WebSocket ws = connect(recorder);
        ws.sendText("x", true).join();

        await().atMost(Duration.ofSeconds(5)).until(recorder.closed::isDone);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.openConnections() == 0);
    }
}
