package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.AccessLogConfig;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code proxy.proxy-protocol}: raw sockets speak for an L4 load balancer. */
class ProxyProtocolTest {
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    @TempDir
    Path dir;
    private GrafanaEmulator grafana;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    private ProxyServer proxy(String trusted) {
        grafana = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
        resources.add(0, grafana);
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", grafana.port()).trustedProxies(trusted).proxyProtocol()
                .build().withAccessLog(AccessLogConfig.toFile(dir.resolve("access.log"), AccessLogConfig.Format.JSON));
        ProxyServer proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), registry).start();
        resources.add(0, proxy);
        return proxy;
    }

    private String request() {
        return "GET /api/search HTTP/1.1\r\nHost: grafana.example\r\nAuthorization: Bearer " + grafana.token()
                + "\r\nX-Forwarded-For: 6.6.6.6\r\nConnection: close\r\n\r\n";
    }

    private double refused(String reason) {
        return registry.get("gateway.proxy.protocol.refused").tag("reason", reason).counter().count();
    }

    private String seenByGrafana(String header) {
        return grafana.lastRequest().flatMap(r -> r.header(header)).orElseThrow();
    }

    @Test
    void aVersion1HeaderNamesTheClientForGrafanaAndTheAccessLog() throws Exception {
        ProxyServer proxy = proxy("127.0.0.1/32");

        RawHttp.Reply reply = RawHttp.send(proxy.port(), "PROXY TCP4 203.0.113.7 127.0.0.1 51000 8080\r\n" + request(), 5000);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(seenByGrafana("X-Real-IP")).isEqualTo("203.0.113.7");
        assertThat(seenByGrafana("X-Forwarded-For")).isEqualTo("203.0.113.7");
        Path log = dir.resolve("access.log");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log) && !Files.readAllLines(log).isEmpty());
        assertThat(Files.readAllLines(log).get(0)).contains("\"client\":\"203.0.113.7\"");
    }

    @Test
    void aVersion2HeaderNamesTheClientToo() throws Exception {
        ProxyServer proxy = proxy("127.0.0.1/32");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(V2_SIGNATURE);
        out.write(new byte[] {0x21, 0x11, 0x00, 0x0C}); // v2 PROXY, TCP over IPv4, 12 address bytes
        out.write(new byte[] {(byte) 198, 51, 100, 9, 127, 0, 0, 1, (byte) 0xC3, 0x50, 0x1F, (byte) 0x90});
        out.write(request().getBytes(StandardCharsets.ISO_8859_1));

        RawHttp.Reply reply = RawHttp.send(proxy.port(), out.toByteArray(), 5000);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(seenByGrafana("X-Real-IP")).isEqualTo("198.51.100.9");
    }

    @Test
    void aHeaderFromAPeerThatIsNotATrustedProxyIsRefused() {
        ProxyServer proxy = proxy("10.0.0.0/8");

        RawHttp.Reply reply = RawHttp.send(proxy.port(), "PROXY TCP4 203.0.113.7 127.0.0.1 51000 8080\r\n" + request(), 5000);

        assertThat(reply.closed()).isTrue();
        assertThat(reply.text()).isEmpty();
        assertThat(grafana.requestCount("/api/search")).isZero();
        assertThat(refused("untrusted")).isEqualTo(1.0);
    }

    @Test
    void aConnectionWithoutTheHeaderIsClosedWhenItIsRequired() {
        ProxyServer proxy = proxy("127.0.0.1/32");

        RawHttp.Reply reply = RawHttp.send(proxy.port(), request(), 5000);

        assertThat(reply.closed()).isTrue();
        assertThat(reply.text()).isEmpty();
        assertThat(grafana.requestCount("/api/search")).isZero();
        // Netty's decoder closes first, then reports: the count may trail the close by a moment.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(refused("invalid")).isEqualTo(1.0));
    }

    @Test
    void haproxyWithSendProxyV2InFrontIsServed() throws Exception {
        ProxyServer proxy = proxy("127.0.0.1/32");
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, """
                defaults
                  mode tcp
                  timeout connect 2s
                  timeout client 10s
                  timeout server 10s
                frontend edge
                  bind 127.0.0.1:%d
                  default_backend gateway
                backend gateway
                  server gw 127.0.0.1:%d send-proxy-v2
                """.formatted(port, proxy.port()));
        Process haproxy;
        try {
            haproxy = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("haproxy.out").toFile()).start();
        } catch (java.io.IOException e) {
            org.junit.jupiter.api.Assumptions.abort("haproxy is not installed: " + e.getMessage());
            return;
        }
        resources.add(0, haproxy::destroy);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest search = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/search"))
                .header("Authorization", "Bearer " + grafana.token()).build();

        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> http.send(search, HttpResponse.BodyHandlers.ofString()).statusCode() == 200);

        assertThat(seenByGrafana("X-Real-IP")).isEqualTo("127.0.0.1");
        assertThat(refused("invalid")).isZero(); // every connection HAProxy opened began with its header
    }
}
