package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawBackend;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.gateway.testing.TestBackend;
import io.grafanaha.health.Outcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request smuggling and malformed framing, sent byte for byte. Vectors come from HAProxy's
 * reg-tests/http-messaging/http_transfer_encoding.vtc (marked "haproxy cN"), from the
 * http-desync-guardian corpus categories (TE obfuscation, CL ambiguity) and from the classic list in
 * proxy-anchors.md §4. Each must get its status, a closed connection, and never reach the backend as
 * a second request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FramingHardeningTest {
    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: g\r\n\r\n";

    private TestBackend backend;
    private ProxyServer proxy;

    @BeforeAll
    void start() {
        backend = new TestBackend("a");
        var config = ConfigFixture.gateway().backend("a", backend.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();
    }

    @AfterAll
    void stop() {
        proxy.shutdown(Duration.ZERO);
        backend.close();
    }

    static Stream<Arguments> rejectedBeforeForwarding() {
        return Stream.of(
                vector("haproxy c1: Content-Length with Transfer-Encoding", 400,
                        "POST /rejected HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\nContent-Length: 31\r\n\r\n0\r\n\r\n" + SMUGGLED),
                vector("CL.TE: Content-Length first", 400,
                        "POST /rejected HTTP/1.1\r\nHost: g\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n5c\r\n" + SMUGGLED + "0\r\n\r\n"),
                vector("haproxy c2: Transfer-Encoding on HTTP/1.0", 400,
                        "POST /rejected HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                vector("haproxy c6: chunked, chunked", 400, te("chunked, chunked")),
                vector("haproxy c7: chunked, gzip, chunked", 400, te("chunked, gzip, chunked")),
                vector("haproxy c8: chunked, gzip", 400, te("chunked, gzip")),
                vector("haproxy c9: gzip only", 400, te("gzip")),
                vector("TE obfuscation: xchunked", 400, te("xchunked")),
                vector("TE obfuscation: vertical tab", 400, te("\u000bchunked")),
                vector("TE obfuscation: trailing NUL", 400, te("chunked\u0000")),
                vector("TE obfuscation: second header identity", 400,
                        "POST /rejected HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n" + SMUGGLED),
                vector("whitespace before the colon", 400,
                        "POST /rejected HTTP/1.1\r\nHost: g\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" + SMUGGLED),
                vector("obs-fold of Transfer-Encoding", 400,
                        "POST /rejected HTTP/1.1\r\nHost: g\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                vector("obs-fold of any header", 400,
                        "GET /rejected HTTP/1.1\r\nHost: g\r\nX-Folded: one\r\n\ttwo\r\n\r\n" + SMUGGLED),
                vector("two different Content-Length", 400,
                        "POST /rejected HTTP/1.1\r\nHost: g\r\nContent-Length: 0\r\nContent-Length: 37\r\n\r\n" + SMUGGLED),
                vector("two identical Content-Length", 400,
                        "POST /rejected HTTP/1.1\r\nHost: g\r\nContent-Length: 37\r\nContent-Length: 37\r\n\r\n" + SMUGGLED),
                vector("Content-Length list", 400,
                        "POST /rejected HTTP/1.1\r\nHost: g\r\nContent-Length: 37, 37\r\n\r\n" + SMUGGLED),
                vector("Content-Length with plus sign", 400,
                        "POST /rejected HTTP/1.1\r\nHost: g\r\nContent-Length: +37\r\n\r\n" + SMUGGLED),
                vector("negative Content-Length", 400,
                        "POST /rejected HTTP/1.1\r\nHost: g\r\nContent-Length: -1\r\n\r\n" + SMUGGLED),
                vector("hex Content-Length", 400,
                        "POST /rejected HTTP/1.1\r\nHost: g\r\nContent-Length: 0x25\r\n\r\n" + SMUGGLED),
                vector("HTTP/1.1 without Host", 400, "GET /rejected HTTP/1.1\r\nX: y\r\n\r\n" + SMUGGLED),
                vector("two Host headers", 400, "GET /rejected HTTP/1.1\r\nHost: g\r\nHost: evil\r\n\r\n" + SMUGGLED),
                vector("space inside a header name", 400, "GET /rejected HTTP/1.1\r\nHost: g\r\nX Foo: y\r\n\r\n" + SMUGGLED),
                vector("request line over 8 KiB", 414, "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: g\r\n\r\n" + SMUGGLED),
                vector("header section over 16 KiB", 431,
                        "GET /rejected HTTP/1.1\r\nHost: g\r\n" + "X-Big: " + "b".repeat(8000) + "\r\nX-Big2: " + "b".repeat(9000) + "\r\n\r\n" + SMUGGLED));
    }

    static Stream<Arguments> rejectedInTheBody() {
        return Stream.of(
                vector("invalid chunk size", 400,
                        "POST /body HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + SMUGGLED + "\r\n0\r\n\r\n"),
                vector("chunk size with plus sign", 400,
                        "POST /body HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n" + SMUGGLED),
                vector("chunk size overflow", 400,
                        "POST /body HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nhello\r\n0\r\n\r\n" + SMUGGLED));
    }

    private static String te(String value) {
        return "POST /rejected HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: " + value + "\r\n\r\n0\r\n\r\n" + SMUGGLED;
    }

    private static Arguments vector(String name, int status, String raw) {
        return Arguments.of(name, status, raw);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("rejectedBeforeForwarding")
    void refusedAndClosedWithoutReachingTheBackend(String name, int status, String raw) {
        // Counted by path: a malformed-body test forwards its head (to /body), and the backend may count that late.
        int before = backend.hits("/rejected");

        RawHttp.Reply reply = RawHttp.send(proxy.port(), raw, 3000);

        assertThat(reply.statusLine()).startsWith("HTTP/1.1 " + status);
        assertThat(reply.body()).startsWith("{\"message\":");
        assertThat(reply.closed()).as("connection closed after the error").isTrue();
        assertThat(reply.responses()).as("exactly one response").isEqualTo(1);
        assertThat(backend.hits("/rejected")).isEqualTo(before);
        assertThat(backend.hits("/smuggled")).isZero();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("rejectedInTheBody")
    void malformedBodyIsRefusedAndTheSmuggledRequestNeverArrives(String name, int status, String raw) {
        RawHttp.Reply reply = RawHttp.send(proxy.port(), raw, 3000);

        assertThat(reply.statusLine()).startsWith("HTTP/1.1 " + status);
        assertThat(reply.closed()).isTrue();
        assertThat(backend.hits("/smuggled")).isZero();
    }

    @Test
    void wellFormedChunkedRequestStillPasses() {
        RawHttp.Reply reply = RawHttp.oneResponse(proxy.port(),
                "POST /upload HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).contains("bytes=5");
        assertThat(reply.closed()).isFalse();
    }

    static Stream<Arguments> ambiguousResponses() {
        return Stream.of(
                Arguments.of("haproxy c3: chunked HTTP/1.0 response", "HTTP/1.0 200 Ok\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("haproxy c4: response splitting with CL and TE",
                        "HTTP/1.1 200 Ok\r\nTransfer-Encoding: chunked\r\nContent-Length: 30\r\n\r\n0\r\n\r\nResponse splitting attach"),
                Arguments.of("haproxy c11: chunked, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("haproxy c11: chunked, gzip, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip, chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("haproxy c11: chunked, gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"),
                Arguments.of("haproxy c11: gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n"),
                Arguments.of("two different Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc"),
                Arguments.of("invalid Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nabc"),
                Arguments.of("101 to a request that did not ask to switch",
                        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ambiguousResponses")
    void ambiguousBackendResponseIs502AndThatConnectionIsDropped(String name, String response) throws Exception {
        List<Outcome> outcomes = new CopyOnWriteArrayList<>();
        try (RawBackend raw = new RawBackend(response)) {
            var config = ConfigFixture.gateway().backend("raw", raw.port()).build();
            ProxyServer own = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry(),
                    (b, outcome) -> outcomes.add(outcome)).start();
            try {
                RawHttp.Reply reply = RawHttp.send(own.port(), "GET / HTTP/1.1\r\nHost: g\r\n\r\n", 3000);
                assertThat(reply.status()).isEqualTo(502);
                assertThat(reply.body()).contains("Grafana backend raw sent an");
                assertThat(reply.text()).doesNotContain("Response splitting");
                assertThat(outcomes).containsExactly(Outcome.INVALID_RESPONSE);
                await().atMost(Duration.ofSeconds(5)).until(() -> own.openBackendConnections() == 0);
            } finally {
                own.shutdown(Duration.ZERO);
            }
        }
    }
}
