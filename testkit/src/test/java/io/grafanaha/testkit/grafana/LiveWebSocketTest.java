package io.grafanaha.testkit.grafana;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /api/live/ws, grafana-api.md §2.3: signed-in user, Origin must match, frames flow both ways. */
class LiveWebSocketTest {
    private GrafanaEmulator grafana;
    private TestClient client;

    @BeforeEach
    void start() {
        grafana = GrafanaEmulator.start(GrafanaEmulator.options());
        client = new TestClient(grafana);
    }

    @AfterEach
    void stop() {
        grafana.close();
    }

    private URI wsUri() {
        return URI.create("ws://127.0.0.1:" + grafana.port() + "/api/live/ws");
    }

    private static final class Echo implements WebSocket.Listener {
        final CompletableFuture<String> received = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            received.complete(data.toString());
            return null;
        }
    }

    @Test
    void authenticatedSocketEchoesTextAndIsCounted() throws Exception {
        Echo echo = new Echo();
        WebSocket ws = client.http().newWebSocketBuilder()
                .header("Authorization", "Bearer " + grafana.token())
                .buildAsync(wsUri(), echo).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> grafana.openWebSockets() == 1);
        ws.sendText("{\"id\":1,\"connect\":{}}", true);
        assertThat(echo.received.get(10, TimeUnit.SECONDS)).isEqualTo("{\"id\":1,\"connect\":{}}");
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> grafana.openWebSockets() == 0);
    }

    @Test
    void unauthenticatedUpgradeIsRefused() {
        assertThatThrownBy(() -> client.http().newWebSocketBuilder().buildAsync(wsUri(), new Echo()).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(401));
        assertThat(grafana.openWebSockets()).isZero();
    }

    @Test
    void foreignOriginIsRefusedEvenWithAToken() {
        // §2.3: Live's own origin check, independent of CSRF (no cookie here)
        assertThatThrownBy(() -> client.http().newWebSocketBuilder()
                .header("Authorization", "Bearer " + grafana.token())
                .header("Origin", "http://evil.example")
                .buildAsync(wsUri(), new Echo()).get(10, TimeUnit.SECONDS))
                .cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(403));
    }

    @Test
    void sameHostOriginWithSessionCookieIsAccepted() throws Exception {
        HttpResponse<String> login = client.send(client.request("/login")
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"admin\",\"password\":\"admin\"}")));
        String cookie = login.headers().allValues("Set-Cookie").get(0);
        Echo echo = new Echo();
        WebSocket ws = client.http().newWebSocketBuilder()
                .header("Cookie", cookie.substring(0, cookie.indexOf(';')))
                .header("Origin", "http://127.0.0.1:" + grafana.port())
                .buildAsync(wsUri(), echo).get(10, TimeUnit.SECONDS);
        ws.sendText("ping", true);
        assertThat(echo.received.get(10, TimeUnit.SECONDS)).isEqualTo("ping");
        ws.abort();
    }
}
