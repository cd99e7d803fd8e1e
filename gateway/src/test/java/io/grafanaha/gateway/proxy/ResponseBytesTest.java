package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawBackend;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.health.Outcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The response path as bytes ({@link ResponseFramer}), seen from a raw client socket: the backend's head lines and
 * body bytes pass unchanged, the gateway's own lines are added, and every framing edge either takes the strict
 * object path or, once the head has gone out, cuts the answer off so that the client never takes a truncated body
 * for a whole one.
 */
class ResponseBytesTest {
    private static final String GET = "GET /api/search HTTP/1.1\r\nHost: g\r\n\r\n";
    private static final String HEAD = "HEAD /api/search HTTP/1.1\r\nHost: g\r\n\r\n";

    @Test
    void theBackendsHeaderLinesReachTheClientByteForByte() {
        RawHttp.Reply reply = through("HTTP/1.1 200 Fine\r\nCache-Control:no-store\r\nX-Spaced:  two  \r\n"
                + "Content-Length: 2\r\n\r\nok", GET);
        assertThat(reply.statusLine()).isEqualTo("HTTP/1.1 200 Fine");
        assertThat(reply.text()).contains("\r\nCache-Control:no-store\r\nX-Spaced:  two  \r\nContent-Length: 2\r\n");
        assertThat(reply.body()).isEqualTo("ok");
        assertThat(reply.closed()).isFalse();
    }

    @Test
    void hopByHopHeadersStopAndTheGatewaysRequestIdReplacesTheBackends() {
        RawHttp.Reply reply = through("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
                + "Proxy-Authenticate: Basic\r\nUpgrade: h2c\r\nX-Request-Id: theirs\r\nContent-Length: 2\r\n\r\nok", GET);
        String head = reply.text().substring(0, reply.text().indexOf("\r\n\r\n")).toLowerCase();
        assertThat(head).doesNotContain("keep-alive").doesNotContain("proxy-authenticate").doesNotContain("upgrade")
                .doesNotContain("theirs");
        assertThat(reply.count("x-request-id: ")).isEqualTo(1);
        assertThat(reply.body()).isEqualTo("ok");
    }

    @Test
    void aChunkedBodyWithTrailersIsRelayedAsItCame() {
        String body = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n";
        RawHttp.Reply reply = through("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body, GET);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.text().toLowerCase()).containsOnlyOnce("transfer-encoding: chunked");
        assertThat(reply.body()).isEqualTo(body);
        assertThat(reply.closed()).isFalse();
    }

    @Test
    void aHeadAndBodyArrivingInPiecesAreReassembled() {
        List<String> pieces = List.of("HTTP/1.1 200 OK\r\nContent-Le", "ngth: 10\r\n\r", "\nhello", "world");
        try (Dribbler backend = new Dribbler(pieces, true)) {
            RawHttp.Reply reply = withGateway(backend.port(), port -> {}, GET);
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("helloworld");
            assertThat(reply.closed()).isFalse();
        }
    }

    @Test
    void aBodyThatEndsWithTheConnectionIsRechunkedForTheClient() {
        RawHttp.Reply reply = through("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close", GET);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.text().toLowerCase()).contains("transfer-encoding: chunked");
        assertThat(reply.body()).contains("until the close").endsWith("0\r\n\r\n");
    }

    @Test
    void noContentAndNotModifiedCarryNoBodyAndKeepTheConnection() {
        RawHttp.Reply noContent = through("HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n", GET);
        assertThat(noContent.status()).isEqualTo(204);
        assertThat(noContent.body()).isEmpty();
        assertThat(noContent.text().toLowerCase()).doesNotContain("transfer-encoding");
        assertThat(noContent.closed()).isFalse();

        RawHttp.Reply notModified = through("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nETag: \"x\"\r\n\r\n", GET);
        assertThat(notModified.status()).isEqualTo(304);
        assertThat(notModified.text()).contains("Content-Length: 10\r\n");
        assertThat(notModified.body()).isEmpty();
        assertThat(notModified.closed()).isFalse();
    }

    @Test
    void anAnswerToHeadKeepsItsLengthButNoBody() {
        RawHttp.Reply length = through("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", HEAD);
        assertThat(length.text()).contains("Content-Length: 1234\r\n");
        assertThat(length.body()).isEmpty();
        assertThat(length.closed()).isFalse();

        RawHttp.Reply chunked = through("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", HEAD);
        assertThat(chunked.text().toLowerCase()).as("dropped with the body, as before").doesNotContain("transfer-encoding");
        assertThat(chunked.body()).isEmpty();
        assertThat(chunked.closed()).isFalse();
    }

    @Test
    void duplicateOrInvalidLengthsFromTheBackendAre502() {
        for (String lengths : List.of("Content-Length: 3\r\nContent-Length: 3\r\n", "Content-Length: +3\r\n",
                "Content-Length: 3, 3\r\n", "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n")) {
            List<Outcome> outcomes = new CopyOnWriteArrayList<>();
            RawHttp.Reply reply = through("HTTP/1.1 200 OK\r\n" + lengths + "\r\nabc", GET, outcomes);
            assertThat(reply.status()).as(lengths).isEqualTo(502);
            assertThat(reply.body()).as(lengths).contains("Grafana backend raw sent an");
            assertThat(outcomes).as(lengths).containsExactly(Outcome.INVALID_RESPONSE);
        }
    }

    @Test
    void anOversizeHeadIs502AndALargeOneWithinTheLimitPasses() {
        RawHttp.Reply oversize = through("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(70 * 1024) + "\r\nContent-Length: 2\r\n\r\nok", GET);
        assertThat(oversize.status()).isEqualTo(502);

        RawHttp.Reply large = through("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(20 * 1024) + "\r\nContent-Length: 2\r\n\r\nok", GET);
        assertThat(large.status()).isEqualTo(200);
        assertThat(large.body()).isEqualTo("ok");
    }

    @Test
    void headLinesEndingInABareLineFeedAre502NotAHang() {
        RawHttp.Reply reply = through("HTTP/1.1 200 OK\nContent-Length: 2\n\nok", GET);
        assertThat(reply.status()).isEqualTo(502);
    }

    @Test
    void aBackendClosingMidBodyLeavesTheClientABrokenAnswerNotAShortOne() {
        RawHttp.Reply length = through("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..", GET);
        assertThat(length.status()).isEqualTo(200);
        assertThat(length.body()).isEqualTo("only ten..");
        assertThat(length.closed()).as("the client sees fewer bytes than announced, then the close").isTrue();

        RawHttp.Reply chunked = through("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", GET);
        assertThat(chunked.status()).isEqualTo(200);
        assertThat(chunked.body()).isEqualTo("5\r\nhello\r\n").doesNotContain("0\r\n\r\n");
        assertThat(chunked.closed()).isTrue();
    }

    @Test
    void brokenChunkFramingAfterTheHeadCutsTheAnswerOff() {
        List<Outcome> outcomes = new CopyOnWriteArrayList<>();
        try (Dribbler backend = new Dribbler(List.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
                "zz\r\nnot a chunk\r\n0\r\n\r\n"), true)) {
            RawHttp.Reply reply = withGateway(backend.port(), outcomes::add, GET);
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("5\r\nhello\r\n");
            assertThat(reply.closed()).isTrue();
            assertThat(outcomes).containsExactly(Outcome.INVALID_RESPONSE);
        }
    }

    @Test
    void bytesAfterAWholeResponseAreNotPassedOn() {
        RawHttp.Reply reply = through("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                + "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled", GET);
        assertThat(reply.body()).isEqualTo("ok");
        assertThat(reply.text()).doesNotContain("smuggled");
        assertThat(reply.responses()).isEqualTo(1);
    }

    // ---- helpers

    private static RawHttp.Reply through(String response, String request) {
        return through(response, request, new CopyOnWriteArrayList<>());
    }

    private static RawHttp.Reply through(String response, String request, List<Outcome> outcomes) {
        try (RawBackend raw = new RawBackend(response)) {
            return withGateway(raw.port(), outcomes::add, request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RawHttp.Reply withGateway(int backendPort, Consumer<Outcome> outcomes, String request) {
        var config = ConfigFixture.gateway().backend("raw", backendPort).build();
        ProxyServer proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry(),
                (b, outcome) -> outcomes.accept(outcome)).start();
        try {
            RawHttp.Reply reply = RawHttp.send(proxy.port(), request, 3000);
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openBackendConnections() == 0);
            return reply;
        } finally {
            proxy.shutdown(Duration.ZERO);
        }
    }

    /** Answers each connection's request with {@code pieces}, written apart so that each arrives in its own read. */
    private static final class Dribbler implements AutoCloseable {
        private final ServerSocket server;

        Dribbler(List<String> pieces, boolean closeAfter) {
            try {
                server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread acceptor = new Thread(() -> serve(pieces, closeAfter), "dribbling-backend");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve(List<String> pieces, boolean closeAfter) {
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    socket.setTcpNoDelay(true);
                    InputStream in = socket.getInputStream();
                    RawBackendHead.read(in);
                    OutputStream out = socket.getOutputStream();
                    for (String piece : pieces) {
                        out.write(piece.getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        Thread.sleep(50); // the backend's pace, not the test waiting: each piece is its own read
                    }
                    if (!closeAfter) {
                        in.readAllBytes(); // keep-alive: the gateway closes it (at its shutdown)
                    }
                } catch (IOException e) {
                    // closed by the test or the gateway
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Reads one request head (up to its empty line). */
    private static final class RawBackendHead {
        static void read(InputStream in) throws IOException {
            int matched = 0;
            for (int b; matched < 4 && (b = in.read()) >= 0; ) {
                matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
        }
    }
}
