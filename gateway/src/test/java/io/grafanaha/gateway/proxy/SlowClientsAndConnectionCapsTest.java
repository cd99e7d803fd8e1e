package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.admin.AdminServer;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.gateway.testing.TestBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Slowloris and descriptor exhaustion on the public listener: a head deadline and connection caps. */
class SlowClientsAndConnectionCapsTest {
    private final TestBackend backend = new TestBackend("a");
    private final List<Socket> sockets = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
    private ProxyServer proxy;
    private AdminServer admin;

    @AfterEach
    void stop() throws IOException {
        trickle.shutdownNow();
        for (Socket s : sockets) {
            s.close();
        }
        if (admin != null) {
            admin.close();
        }
        proxy.shutdown(Duration.ZERO);
        backend.close();
    }

    private GatewayConfig start(ConfigFixture fixture) {
        GatewayConfig config = fixture.backend("a", backend.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), registry).start();
        return config;
    }

    private Socket open(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        sockets.add(socket);
        return socket;
    }

    private static void write(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Test
    void aHeadTrickledOneLineAtATimeGets408AndACloseAtTheDeadline() throws Exception {
        // The idle timeout alone never fires: a header line arrives every 100 ms.
        start(ConfigFixture.gateway().idleTimeout(Duration.ofMillis(300)).requestHeadTimeout(Duration.ofSeconds(1)));
        Socket slow = open(proxy.port());
        write(slow, "GET /echo HTTP/1.1\r\nHost: g\r\n");
        trickle.scheduleAtFixedRate(() -> {
            try {
                write(slow, "X-Slow: yes\r\n");
            } catch (IOException closed) {
                // the gateway closed it: what the test waits for
            }
        }, 100, 100, TimeUnit.MILLISECONDS);
        slow.setSoTimeout(6000);
        long started = System.nanoTime();

        RawHttp.Reply reply = RawHttp.readAll(slow.getInputStream());

        assertThat(reply.status()).isEqualTo(408);
        assertThat(reply.closed()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
        assertThat(backend.hits("/echo")).isZero();
    }

    @Test
    void anIdleKeepAliveConnectionIsNotCutByTheHeadDeadline() throws Exception {
        start(ConfigFixture.gateway().requestHeadTimeout(Duration.ofMillis(300)));
        Socket client = open(proxy.port());
        client.setSoTimeout(3000);
        write(client, "GET /echo HTTP/1.1\r\nHost: g\r\n\r\n");
        assertThat(readResponseHead(client.getInputStream())).startsWith("HTTP/1.1 200");

        await().pollDelay(Duration.ofMillis(900)).atMost(Duration.ofSeconds(2)).until(() -> true);
        write(client, "GET /echo HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n");

        RawHttp.Reply second = RawHttp.readAll(client.getInputStream());
        assertThat(second.text()).contains("HTTP/1.1 200");
    }

    @Test
    void aSlowHeadAfterAQuickRequestGetsItsOwnFullDeadline() throws Exception {
        // One timer per connection: the one set for the first head is still running when the second starts.
        start(ConfigFixture.gateway().requestHeadTimeout(Duration.ofSeconds(1)));
        Socket client = open(proxy.port());
        client.setSoTimeout(6000);
        write(client, "GET /echo HTTP/1.1\r\nHost: g\r\n\r\n");
        assertThat(readResponseHead(client.getInputStream())).startsWith("HTTP/1.1 200");
        await().pollDelay(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> true);

        write(client, "GET /echo HTTP/1.1\r\nHost: g\r\n"); // and nothing more
        long started = System.nanoTime();
        RawHttp.Reply reply = RawHttp.readAll(client.getInputStream());

        assertThat(reply.text()).contains("HTTP/1.1 408");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("cut no earlier than its own deadline")
                .isGreaterThanOrEqualTo(Duration.ofMillis(950));
        assertThat(backend.hits("/echo")).isEqualTo(1);
    }

    @Test
    void connectionsOverTheListenerCapAreClosedAtOnceWhileTheAdminPortAnswers() throws Exception {
        GatewayConfig config = start(ConfigFixture.gateway().maxConnections(5, 5));
        admin = new AdminServer(config, ConfigFixture.staticRouter(config), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).start();
        for (int i = 0; i < 5; i++) {
            write(open(proxy.port()), "GET /echo HTTP/1.1\r\nHost: g\r\n"); // held, half-sent
        }
        Socket served = sockets.get(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> proxyHolds(5));

        Socket over = open(proxy.port());
        over.setSoTimeout(3000);
        long started = System.nanoTime();
        RawHttp.Reply refused = RawHttp.readAll(over.getInputStream());

        assertThat(refused.closed()).as("closed by the gateway").isTrue();
        assertThat(refused.text()).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        assertThat(RawHttp.send(admin.port(), "GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 3000).status())
                .isEqualTo(200);
        // The connections within the cap are still served.
        served.setSoTimeout(3000);
        write(served, "Connection: close\r\n\r\n");
        assertThat(RawHttp.readAll(served.getInputStream()).status()).isEqualTo(200);
    }

    @Test
    void oneClientAddressCannotTakeMoreThanItsShare() throws Exception {
        start(ConfigFixture.gateway().maxConnections(100, 2));
        write(open(proxy.port()), "GET /echo HTTP/1.1\r\nHost: g\r\n");
        write(open(proxy.port()), "GET /echo HTTP/1.1\r\nHost: g\r\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> proxyHolds(2));

        RawHttp.Reply third = RawHttp.send(proxy.port(), "GET /echo HTTP/1.1\r\nHost: g\r\n\r\n", 3000);

        assertThat(third.closed()).isTrue();
        assertThat(third.text()).isEmpty();
        await().atMost(Duration.ofSeconds(2)).until(() ->
                registry.get("gateway.connections.refused").tag("listener", "listen").functionCounter().count() == 1.0);
    }

    private boolean proxyHolds(int connections) {
        return proxy.openClientConnections() == connections;
    }

    private static String readResponseHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        // The echo body: the test backend always sends a Content-Length.
        String text = head.toString();
        int at = text.toLowerCase().indexOf("content-length: ");
        if (at >= 0) {
            int end = text.indexOf("\r\n", at);
            in.readNBytes(Integer.parseInt(text.substring(at + 16, end).trim()));
        }
        return text;
    }
}
