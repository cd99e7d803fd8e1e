package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.gateway.testing.TestBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Clients that vanish mid-exchange must not leave backend connections (or exchanges) behind. */
class ConnectionLeakTest {
    private final TestBackend backend = new TestBackend("a");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ProxyServer proxy;

    @AfterEach
    void stop() {
        backend.close();
        proxy.shutdown(Duration.ZERO);
    }

    private static org.awaitility.core.ConditionFactory soon() {
        return await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2));
    }

    /** Aborts with RST, the way a browser tab closing or a killed client does. */
    private static Socket reset(Socket socket) throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
        return socket;
    }

    @Test
    void twoHundredAbortedRequestsLeaveNoBackendConnectionOpen() throws Exception {
        GatewayConfig config = ConfigFixture.gateway().backend("a", backend.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), registry).start();

        for (int i = 0; i < 200; i++) {
            try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                switch (i % 3) {
                    case 0 -> {
                        // mid-upload: headers and part of the body, then gone
                        out.write("POST /upload HTTP/1.1\r\nHost: g\r\nContent-Length: 1000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.write(new byte[10_000]);
                        out.flush();
                        soon().atMost(Duration.ofSeconds(5)).until(() -> proxy.inFlight() > 0);
                    }
                    case 1 -> {
                        // mid-download: first bytes read, then gone
                        out.write("GET /download?n=50000000 HTTP/1.1\r\nHost: g\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        assertThat(in.read(new byte[1024])).isPositive();
                    }
                    default -> {
                        // waiting for a slow response
                        out.write("GET /hold HTTP/1.1\r\nHost: g\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        soon().atMost(Duration.ofSeconds(5)).until(() -> proxy.inFlight() > 0);
                    }
                }
                reset(socket);
            }
            soon().atMost(Duration.ofSeconds(5)).until(() -> proxy.inFlight() == 0);
        }

        soon().atMost(Duration.ofSeconds(10)).until(() -> proxy.openBackendConnections() <= ProxyServer.MAX_IDLE_PER_BACKEND);
        soon().atMost(Duration.ofSeconds(10)).until(() -> proxy.openBackendConnections() == 0);
        soon().atMost(Duration.ofSeconds(10)).until(() -> registry.get("gateway.client.connections").gauge().value() == 0.0);
        double abandoned = registry.find("gateway.requests").tag("status", "499").counters().stream().mapToDouble(c -> c.count()).sum();
        assertThat(abandoned).as("every abort is counted as 499").isEqualTo(200.0);

        RawHttp.Reply after = RawHttp.send(proxy.port(), "GET /echo HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n", 3000);
        assertThat(after.status()).as("the gateway still serves").isEqualTo(200);
    }
}
