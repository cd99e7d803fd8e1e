package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.gateway.testing.TestBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client that opens a connection per request ({@code Connection: close}, or HTTP/1.0) gets the whole answer and
 * then the end of the stream, every time, and the gateway keeps no connection behind.
 */
class ConnectionPerRequestTest {
    private final TestBackend backend = new TestBackend("a");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ProxyServer proxy;

    @BeforeEach
    void start() {
        GatewayConfig config = ConfigFixture.gateway().backend("a", backend.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), registry).start();
    }

    @AfterEach
    void stop() {
        proxy.shutdown(Duration.ZERO);
        backend.close();
    }

    @Test
    void manySequentialConnectionCloseRequestsEachGetTheWholeBodyThenTheEndOfTheStream() {
        for (int i = 0; i < 200; i++) {
            RawHttp.Reply reply = RawHttp.send(proxy.port(), "GET /echo?i=" + i + " HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n", 5000);

            assertThat(reply.status()).as("request %d", i).isEqualTo(200);
            assertThat(reply.body()).as("request %d", i).isEqualTo("name=a");
            assertThat(reply.closed()).as("request %d: closed by the gateway, not by the 5 s read timeout", i).isTrue();
        }
        assertNoClientConnectionLeft();
    }

    @Test
    void anHttp10RequestGetsItsAnswerThenTheEndOfTheStream() {
        for (int i = 0; i < 50; i++) {
            RawHttp.Reply reply = RawHttp.send(proxy.port(), "GET /echo HTTP/1.0\r\nHost: g\r\n\r\n", 5000);

            assertThat(reply.status()).as("request %d", i).isEqualTo(200);
            assertThat(reply.body()).as("request %d", i).isEqualTo("name=a");
            assertThat(reply.closed()).as("request %d", i).isTrue();
        }
        assertNoClientConnectionLeft();
    }

    @Test
    void aLargeAnswerIsReadWholeBeforeTheClose() throws Exception {
        int size = 4 * 1024 * 1024;
        for (int i = 0; i < 3; i++) {
            try (Socket socket = new Socket()) {
                // A small receive window keeps the gateway's socket full while the answer streams: its end may still be
                // on its way when the exchange ends, and the close must not cut it.
                socket.setReceiveBufferSize(4096);
                socket.connect(new java.net.InetSocketAddress("127.0.0.1", proxy.port()));
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("GET /download?n=" + size + " HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] body = dechunk(readToEnd(socket.getInputStream()));

                assertThat(body).as("download %d", i).hasSize(size);
                assertThat(Arrays.equals(body, 0, size, repeatedPattern(size), 0, size)).as("download %d's bytes", i).isTrue();
            }
        }
        assertNoClientConnectionLeft();
    }

    private void assertNoClientConnectionLeft() {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(proxy.openClientConnections()).isZero();
            assertThat(registry.get("gateway.client.connections").gauge().value()).isZero();
        });
    }

    /** Everything until the peer's end of stream; a read timeout fails the test (the gateway did not close). */
    private static byte[] readToEnd(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    /** The body of a chunked answer (the test backend streams /download without a length). */
    private static byte[] dechunk(byte[] reply) {
        String text = new String(reply, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("\r\n\r\n") + 4;
        assertThat(text.substring(0, at)).contains("200").containsIgnoringCase("transfer-encoding: chunked");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int lineEnd = text.indexOf("\r\n", at);
            int length = Integer.parseInt(text.substring(at, lineEnd).split(";")[0].trim(), 16);
            if (length == 0) {
                assertThat(text.substring(lineEnd)).as("nothing after the last chunk").isEqualTo("\r\n\r\n");
                return body.toByteArray();
            }
            body.write(reply, lineEnd + 2, length);
            at = lineEnd + 2 + length + 2;
        }
    }

    private static byte[] repeatedPattern(int size) {
        byte[] chunk = TestBackend.pattern(64 * 1024);
        byte[] all = new byte[size];
        for (int at = 0; at < size; at += chunk.length) {
            System.arraycopy(chunk, 0, all, at, Math.min(chunk.length, size - at));
        }
        return all;
    }
}
