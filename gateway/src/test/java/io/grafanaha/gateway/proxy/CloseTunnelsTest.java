package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CloseTunnelsTest {
    private final GrafanaEmulator a = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
    private final GrafanaEmulator b = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b"));
    private ProxyServer proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.shutdown(Duration.ZERO);
        }
        a.close();
        b.close();
    }

    private WebSocket connect(WebSocketTunnelTest.Recorder recorder) throws Exception {
        return HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Authorization", "Bearer " + a.token())
                .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + "/api/live/ws"), recorder)
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void tunnelsToTheNamedBackendAreClosedWithServiceRestart() throws Exception {
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", a.port()).backend("grafana-b", b.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();
        WebSocketTunnelTest.Recorder first = new WebSocketTunnelTest.Recorder();
        WebSocketTunnelTest.Recorder second = new WebSocketTunnelTest.Recorder();
        WebSocket ws = connect(first);
        connect(second);
        ws.sendText("{\"id\":1}", true).join();
        assertThat(first.messages.poll(5, TimeUnit.SECONDS)).isEqualTo("{\"id\":1}");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.openWebSockets() == 2);

        assertThat(proxy.closeTunnels("grafana-b", "not this one")).isZero();
        int closed = proxy.closeTunnels("grafana-a", "grafana-a is down");

        assertThat(closed).isEqualTo(2);
        assertThat(first.closed.get(5, TimeUnit.SECONDS)).isEqualTo("close 1012");
        assertThat(second.closed.get(5, TimeUnit.SECONDS)).isEqualTo("close 1012");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.openWebSockets() == 0);
        assertThat(proxy.closeTunnels("grafana-a", "again")).isZero();
    }
}
