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
    void aTunnelClosedInsideAFrameRelaysThatFrameWholeThenSendsServiceRestart() throws Exception {
        start(Duration.ofSeconds(30));
        Recorder recorder = new Recorder();
        connect(recorder);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.openConnections() == 1);
        byte[] second = textFrame("second, a message cut in two");
        int cut = 10;
        // One write: the gateway reads the whole frame and the first part of the next one together.
        backend.sendRaw(concat(textFrame("first"), java.util.Arrays.copyOf(second, cut)));
        assertThat(recorder.messages.poll(5, TimeUnit.SECONDS)).isEqualTo("first");

        assertThat(proxy.closeTunnels("live", "backend drained")).isEqualTo(1);
        backend.sendRaw(java.util.Arrays.copyOfRange(second, cut, second.length));

        // The client may hand the message over in parts.
        StringBuilder whole = new StringBuilder();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            String part = recorder.messages.poll();
            whole.append(part == null ? "" : part);
            return whole.length() >= "second, a message cut in two".length();
        });
        assertThat(whole).hasToString("second, a message cut in two");
        assertThat(recorder.closed.get(5, TimeUnit.SECONDS)).isEqualTo("close 1012");
        assertThat(recorder.messages).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.openConnections() == 0);
    }

    @Test
    void aTunnelClosedInsideAFrameThatNeverEndsIsCutOffAfterTheGrace() throws Exception {
        start(Duration.ofSeconds(30));
        Recorder recorder = new Recorder();
        connect(recorder);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.openConnections() == 1);
        backend.sendRaw(concat(textFrame("first"), java.util.Arrays.copyOf(textFrame("second"), 4)));
        assertThat(recorder.messages.poll(5, TimeUnit.SECONDS)).isEqualTo("first");

        proxy.closeTunnels("live", "backend down");

        // No close frame can follow half a frame: the connection just ends (1006, or an error, as clients say it).
        assertThat(recorder.closed.get(5, TimeUnit.SECONDS)).matches("close 1006|error.*");
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.openConnections() == 0);
    }

    /** An unmasked (server to client) text frame. */
    private static byte[] textFrame(String text) {
        byte[] payload = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] frame = new byte[2 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 2, payload.length);
        return frame;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
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
