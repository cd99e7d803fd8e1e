package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.gateway.testing.TestBackend;
import io.grafanaha.health.Backend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Watched requests are gathered whole before any backend sees them; what they hold in memory together is
 * capped, not only each one (20 half-sent 10 MB saves took the gateway to 629 MB). A save that would go
 * over is answered 503 with Retry-After before anything is forwarded, so nothing is lost and it can come back.
 */
class EditWatchMemoryCapTest {
    private static final int LIMIT = 1024 * 1024;
    private final TestBackend backend = new TestBackend("a");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ProxyServer proxy;

    private final RequestObserver observer = new RequestObserver() {
        @Override
        public Optional<String> watches(String method, String path) {
            return method.equals("POST") && path.startsWith("/api/dashboards/db") ? Optional.of("dashboard-save") : Optional.empty();
        }

        @Override
        public Verdict onRequest(Backend to, ObservedRequest request) {
            return Verdict.FORWARD;
        }
    };

    @AfterEach
    void stop() {
        proxy.shutdown(Duration.ZERO);
        backend.close();
    }

    private static byte[] head(int length) {
        return ("POST /api/dashboards/db HTTP/1.1\r\nHost: g\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: " + length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aSaveThatWouldTakeTheWatchedBuffersOverTheirTotalIsAnswered503BeforeAnythingIsForwarded() throws Exception {
        GatewayConfig config = ConfigFixture.gateway().backend("a", backend.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), registry)
                .observer(observer).watchBufferLimit(LIMIT).start();
        int length = 600 * 1024;
        try (Socket first = new Socket("127.0.0.1", proxy.port())) {
            first.setSoTimeout(10_000);
            OutputStream out = first.getOutputStream();
            out.write(head(length));
            out.write(new byte[length - 1]); // all but the last byte: held by the watch
            out.flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.watchBufferedBytes() == length - 1);

            RawHttp.Reply second = RawHttp.send(proxy.port(), head(length), 5_000);
            RawHttp.Reply secondChunked = RawHttp.send(proxy.port(), ("POST /api/dashboards/db HTTP/1.1\r\nHost: g\r\nConnection: close\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n70000\r\n" + "x".repeat(0x70000) + "\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII), 5_000);

            assertThat(second.status()).isEqualTo(503);
            assertThat(second.text()).containsIgnoringCase("Retry-After:");
            assertThat(secondChunked.status()).as("over the total while arriving").isEqualTo(503);
            assertThat(backend.totalHits()).as("nothing forwarded").isZero();
            assertThat(registry.counter("gateway.edits.deferred").count()).isEqualTo(2.0);

            out.write('x');
            out.flush();
            assertThat(RawHttp.readAll(first.getInputStream()).status()).as("the first save goes through").isEqualTo(200);
        }
        assertThat(proxy.watchBufferedBytes()).as("released once forwarded").isZero();
        RawHttp.Reply later = RawHttp.send(proxy.port(), concat(head(length), new byte[length]), 5_000);
        assertThat(later.status()).as("room again: the next save is gathered and forwarded").isEqualTo(200);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
