package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.gateway.testing.TestBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request targets and heads two parsers could read differently, sent byte for byte: each is refused before
 * anything reaches the backend, or rewritten to the one form the backend and the gateway's own routes agree on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestTargetHardeningTest {
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

    static Stream<Arguments> refusedBeforeForwarding() {
        return Stream.of(
                vector("NUL in the target", head("GET /a\u0000b HTTP/1.1", "Host: g")),
                vector("0x01 in the target", head("GET /a\u0001b HTTP/1.1", "Host: g")),
                vector("DEL (0x7F) in the target", head("GET /a\u007fb HTTP/1.1", "Host: g")),
                vector("0xFF in the target", head("GET /a\u00ffb HTTP/1.1", "Host: g")),
                vector("tab in the target", head("GET /a\tb HTTP/1.1", "Host: g")),
                vector("asterisk-form with GET", head("GET * HTTP/1.1", "Host: g")),
                vector("a fragment in the target", head("GET /a#frag HTTP/1.1", "Host: g")),
                vector("authority-form with GET", head("GET g:80 HTTP/1.1", "Host: g")),
                vector("absolute-form with userinfo", head("GET http://user:pw@g/a HTTP/1.1", "Host: g")),
                vector("absolute-form with another scheme", head("GET ftp://g/a HTTP/1.1", "Host: g")),
                vector("a Host with a space and a slash", head("GET /a HTTP/1.1", "Host: a b/c")),
                vector("a Host with a slash", head("GET /a HTTP/1.1", "Host: a/c")),
                vector("more than 100 header fields", head("GET /a HTTP/1.1", "Host: g", manyHeaders(150))));
    }

    private static String manyHeaders(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append("X-H").append(i).append(": v");
            if (i < n - 1) {
                b.append("\r\n");
            }
        }
        return b.toString();
    }

    private static String head(String requestLine, String... headers) {
        return requestLine + "\r\n" + String.join("\r\n", headers) + "\r\n\r\n";
    }

    private static Arguments vector(String name, String raw) {
        return Arguments.of(name, raw);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedBeforeForwarding")
    void refusedWith400AndClosedWithoutReachingTheBackend(String name, String raw) {
        int before = backend.totalHits();

        RawHttp.Reply reply = RawHttp.send(proxy.port(), raw.getBytes(StandardCharsets.ISO_8859_1), 3000);

        assertThat(reply.statusLine()).startsWith("HTTP/1.1 400");
        assertThat(reply.body()).startsWith("{\"message\":");
        assertThat(reply.closed()).isTrue();
        assertThat(backend.totalHits()).isEqualTo(before);
    }

    @Test
    void absoluteFormIsForwardedInOriginFormWithTheHostOfItsAuthority() {
        RawHttp.Reply reply = RawHttp.send(proxy.port(),
                "GET http://grafana.example:3000/api/search?query=cpu HTTP/1.1\r\nHost: elsewhere\r\nConnection: close\r\n\r\n", 3000);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(backend.hits("/api/search")).isGreaterThanOrEqualTo(1);
        assertThat(backend.header("Host")).containsExactly("grafana.example:3000");
        assertThat(backend.header("X-Forwarded-Host")).containsExactly("grafana.example:3000");
    }

    @Test
    void dotSegmentsAndEncodedUnreservedCharactersCannotHideTheGatewaysOwnPrefix() {
        for (String target : new String[] {"/x/../_gateway/webhook", "/%5Fgateway/webhook", "/%5fgateway/webhook",
                "/api/%2E%2E/_gateway/webhook", "/./_gateway/webhook"}) {
            int before = backend.totalHits();

            RawHttp.Reply reply = RawHttp.send(proxy.port(), "POST " + target + " HTTP/1.1\r\nHost: g\r\nContent-Length: 0\r\n\r\n", 3000);

            assertThat(reply.status()).as(target).isEqualTo(404);
            assertThat(reply.body()).as(target).contains("not found");
            assertThat(backend.totalHits()).as(target + " never reaches Grafana").isEqualTo(before);
        }
    }

    @Test
    void aDotSegmentPathReachesTheBackendResolved() {
        RawHttp.Reply reply = RawHttp.send(proxy.port(), "GET /public/../api/%73earch?q=%2F HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n", 3000);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(backend.hits("/api/search")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void anHttp10RequestWithoutHostGoesOnWithTheHostItConnectedTo() {
        RawHttp.Reply reply = RawHttp.send(proxy.port(), "GET /no-host HTTP/1.0\r\n\r\n", 3000);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(backend.hits("/no-host")).isEqualTo(1);
        assertThat(backend.header("Host")).containsExactly("127.0.0.1:" + proxy.port());
    }

    @Test
    void optionsAsteriskStillPasses() {
        RawHttp.Reply reply = RawHttp.send(proxy.port(), "OPTIONS * HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n", 3000);

        assertThat(reply.statusLine()).doesNotContain(" 400");
    }

    @Test
    void aHugeExtensionOnTheFirstChunkIsRefusedBeforeTheHeadIsForwarded() {
        int before = backend.hits("/chunked-ext");
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        raw.writeBytes("POST /chunked-ext HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=".getBytes(StandardCharsets.US_ASCII));
        raw.writeBytes("x".repeat(20 * 1024).getBytes(StandardCharsets.US_ASCII));
        raw.writeBytes("\r\nhello\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

        RawHttp.Reply reply = RawHttp.send(proxy.port(), raw.toByteArray(), 3000);

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.closed()).isTrue();
        assertThat(reply.responses()).isEqualTo(1);
        assertThat(backend.hits("/chunked-ext")).isEqualTo(before);
    }

    @Test
    void aWellFormedChunkedUploadStillStreams() {
        RawHttp.Reply reply = RawHttp.oneResponse(proxy.port(),
                "POST /upload HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n0\r\n\r\n");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).contains("bytes=5");
    }
}
