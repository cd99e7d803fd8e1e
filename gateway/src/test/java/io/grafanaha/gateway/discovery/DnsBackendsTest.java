package io.grafanaha.gateway.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.config.ConfigLoader;
import io.grafanaha.health.BackendStatus;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Grafana StatefulSet behind a headless Service, as the gateway sees it: SRV records, served by a name server on
 * loopback, that change while it runs. (A failed lookup keeping the last answer: {@link DnsDiscoveryTest}.)
 * Pods that appear get traffic; a pod that goes away loses its Live tunnels with 1012, like a drained backend.
 */
class DnsBackendsTest {
    private static final String SRV = "_grafana._tcp.grafana-headless.test";

    @TempDir
    Path dir;

    private LoopbackDns dns;
    private final HttpClient http = HttpClient.newHttpClient();
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private Gateway gateway;

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        List.of(a, b).forEach(GrafanaEmulator::close);
        dns.close();
    }

    private static Resolver.SrvRecord pod(GrafanaEmulator e) {
        return new Resolver.SrvRecord(0, 50, e.port(), "127.0.0.1");
    }

    private List<String> backends() {
        return gateway.health().status().backends().stream().map(BackendStatus::name).toList();
    }

    private String servedBy() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/api/health")).build(),
                HttpResponse.BodyHandlers.ofString()).headers().firstValue(GrafanaEmulator.NAME_HEADER).orElse("-");
    }

    @Test
    void podsThatAppearGetTrafficAndAPodThatGoesAwayLosesItsTunnelsWithServiceRestart() throws Exception {
        a = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-0"));
        b = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-1"));
        dns = new LoopbackDns();
        dns.srv.put(SRV, List.of(pod(a)));
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, """
                listen: 127.0.0.1:0
                admin:
                  listen: 127.0.0.1:0
                mode: load-balance
                backends:
                  - name: grafana
                    url: http://grafana-headless.test
                    discovery: dns-srv
                    dns-refresh: 100ms
                health:
                  interval: 200ms
                  timeout: 5s
                  rise: 1
                  fall: 1
                """);
        ConfigLoader loader = new ConfigLoader(Map.of());
        // The JDK's DNS client, as in production, asking a name server this test runs on loopback.
        gateway = Gateway.create(file, loader.load(file), loader, new JndiResolver(dns.address())).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.health().ready());
        String first = "grafana-127.0.0.1-" + a.port();
        String second = "grafana-127.0.0.1-" + b.port();
        assertThat(backends()).containsExactly(first);
        assertThat(servedBy()).isEqualTo("grafana-0");
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        http.newWebSocketBuilder().header("Authorization", "Bearer " + a.token())
                .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/api/live/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closed.complete(statusCode);
                        return null;
                    }
                }).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.openWebSockets() == 1);

        dns.srv.put(SRV, List.of(pod(a), pod(b)));

        await().atMost(Duration.ofSeconds(10)).until(() -> backends().size() == 2);
        assertThat(backends()).containsExactlyInAnyOrder(first, second);
        await().atMost(Duration.ofSeconds(10)).until(() -> servedBy().equals("grafana-1"));
        assertThat(closed).isNotDone();

        dns.srv.put(SRV, List.of(pod(b)));

        assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo(1012);
        await().atMost(Duration.ofSeconds(10)).until(() -> backends().equals(List.of(second)));
        for (int i = 0; i < 5; i++) {
            assertThat(servedBy()).isEqualTo("grafana-1");
        }
    }
}
