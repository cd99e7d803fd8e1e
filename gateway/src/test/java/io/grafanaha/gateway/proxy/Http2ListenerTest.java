package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.Http2Config;
import io.grafanaha.gateway.config.TlsConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.H2FrameClient;
import io.grafanaha.gateway.testing.RawBackend;
import io.grafanaha.gateway.testing.TestBackend;
import io.grafanaha.gateway.testing.TestCertificates;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP/2 on the TLS listener (ALPN) and h2c with prior knowledge, with real clients: Java's HttpClient, curl, raw frames. */
class Http2ListenerTest {
    @TempDir
    Path dir;

    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(0, resource);
        return resource;
    }

    private TestCertificates.Pair pair() {
        return TestCertificates.create(dir, "gateway");
    }

    private ProxyServer proxy(ConfigFixture fixture) {
        GatewayConfig config = fixture.build();
        return track(new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start());
    }

    private ConfigFixture tls(TestCertificates.Pair pair) {
        return ConfigFixture.gateway().tls(new TlsConfig(pair.certFile(), pair.keyFile(), Duration.ofSeconds(5)));
    }

    private static HttpClient h2(TestCertificates.Pair pair) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(TestCertificates.trusting(pair))
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** An answer that came over HTTP/2 with a 200. */
    private static void assertOkOverHttp2(HttpResponse<?> r) {
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(r.statusCode()).isEqualTo(200);
    }

    private static HttpRequest.Builder request(ProxyServer proxy, String path) {
        return HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + proxy.port() + path)).timeout(Duration.ofSeconds(20));
    }

    @Test
    void manyConcurrentStreamsOnOneConnectionAllReachTheBackendAsHttp11Requests() throws Exception {
        TestBackend backend = track(new TestBackend("a"));
        TestCertificates.Pair pair = pair();
        ProxyServer proxy = proxy(tls(pair).backend("a", backend.port()));
        HttpClient client = h2(pair);
        // One request first: HttpClient opens a connection per request started before its first h2 connection exists.
        assertThat(client.send(request(proxy, "/").build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            sent.add(client.sendAsync(request(proxy, "/echo?i=" + i).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> response : sent) {
            HttpResponse<String> r = response.get();
            assertOkOverHttp2(r);
            assertThat(r.body()).isEqualTo("name=a");
            // h1 -> h2: the backend's hop-by-hop headers never cross (HttpClient would refuse a Connection header on h2).
            assertThat(r.headers().map().keySet()).doesNotContain("connection", "keep-alive", "transfer-encoding", "x-backend-hop");
        }
        assertThat(backend.hits("/echo")).isEqualTo(100);
        assertThat(proxy.openClientConnections()).isEqualTo(1);
        // h2 -> h1: :authority became Host, Grafana is told https, and no x-http2-* marker leaks.
        assertThat(backend.lastHeaders().getFirst("Host")).isEqualTo("127.0.0.1:" + proxy.port());
        assertThat(backend.lastHeaders().getFirst("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(backend.lastHeaders().keySet()).noneMatch(name -> name.toLowerCase().startsWith("x-http2"));
    }

    @Test
    void theBackendConnectionOfAFinishedStreamIsPooledForTheNextStream() throws Exception {
        TestBackend backend = track(new TestBackend("a"));
        TestCertificates.Pair pair = pair();
        ProxyServer proxy = proxy(tls(pair).backend("a", backend.port()));
        HttpClient client = h2(pair);

        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = client.send(request(proxy, "/echo?i=" + i).build(), HttpResponse.BodyHandlers.ofString());
            assertOkOverHttp2(r);
        }

        // Twenty GETs one after another, each a stream ended by its HEADERS frame: one backend connection, reused
        // (each used to be closed after its answer, so h2 paid a TCP connection per request).
        assertThat(backend.hits("/echo")).isEqualTo(20);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(proxy.openBackendConnections()).isEqualTo(1));
    }

    @Test
    void theBackendConnectionsOfABurstOfStreamsStayPooledWhileItsClientIsConnected() throws Exception {
        TestBackend backend = track(new TestBackend("a"));
        TestCertificates.Pair pair = pair();
        ProxyServer proxy = proxy(tls(pair).backend("a", backend.port()));
        HttpClient client = h2(pair);
        assertThat(client.send(request(proxy, "/").build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        // More streams at once than the pool keeps for any loop (ProxyServer.MAX_IDLE_PER_BACKEND), all held by the
        // backend together: each has its own backend connection.
        int burst = ProxyServer.MAX_IDLE_PER_BACKEND + 16;

        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < burst; i++) {
            held.add(client.sendAsync(request(proxy, "/hold?i=" + i).build(), HttpResponse.BodyHandlers.ofString()));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.holding() == burst);
        backend.release();
        for (CompletableFuture<HttpResponse<String>> response : held) {
            assertThat(response.get().statusCode()).isEqualTo(200);
        }
        for (int i = 0; i < 8; i++) {
            assertThat(client.send(request(proxy, "/echo?i=" + i).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }

        // The client showed it runs that many requests at once: its next burst finds them all pooled. Counting streams
        // one by one, each request after the burst closed one (a lone stream needs only one), down to the fixed cap.
        assertThat(proxy.openClientConnections()).isEqualTo(1);
        assertThat(proxy.openBackendConnections()).isEqualTo(burst);
    }

    @Test
    void anUploadStreamsThroughAnHttp2Stream() throws Exception {
        TestBackend backend = track(new TestBackend("a"));
        TestCertificates.Pair pair = pair();
        ProxyServer proxy = proxy(tls(pair).backend("a", backend.port()));
        byte[] body = TestBackend.pattern(3 * 1024 * 1024 + 17);

        HttpResponse<String> r = h2(pair).send(request(proxy, "/upload").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());

        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(r.body()).isEqualTo("bytes=" + body.length + " crc=" + crc.getValue());
    }

    @Test
    void anUploadTheBackendDoesNotReadWaitsAtTheClientAndAnEarlyAnswerEndsItWithoutError() throws Exception {
        TestBackend backend = track(new TestBackend("a"));
        TestCertificates.Pair pair = pair();
        ProxyServer proxy = proxy(tls(pair).backend("a", backend.port()));
        H2FrameClient client = track(H2FrameClient.tls(proxy.port()));

        // 64 MiB toward a backend that reads none of it: the gateway gives the client window back only for what the
        // backend took (its socket's buffers), so most of the upload must still be waiting in the client.
        Http2FrameStream upload = client.open(H2FrameClient.get("/hold").method("POST"));
        ChannelFuture sent = client.sendData(upload, Unpooled.wrappedBuffer(new byte[64 * 1024 * 1024]));
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.holding() == 1);
        // (A gateway that gave the window back as the DATA arrived took all of it within about a second here.)
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> !sent.isDone());

        // The backend answers without reading the body: the client gets that answer whole, and then the rest of the
        // upload is called off without an error (RFC 9113, section 8.1).
        backend.release();
        await().atMost(Duration.ofSeconds(10)).until(() -> client.resetCode(upload.id()) != null);
        assertThat(client.responseHeaders(upload.id()).status().toString()).isEqualTo("200");
        assertThat(client.dataBytes(upload.id())).isEqualTo("held".length());
        assertThat(client.resetCode(upload.id())).isEqualTo(Http2Error.NO_ERROR.code());
    }

    @Test
    void aBackendsHundredContinueReachesAnHttp2ClientAndTheAnswerFollowsOnTheSameStream() throws Exception {
        TestBackend backend = track(new TestBackend("a"));
        ProxyServer proxy = proxy(tls(pair()).backend("a", backend.port()));
        H2FrameClient client = track(H2FrameClient.tls(proxy.port()));
        byte[] body = "dashboard".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

        Http2FrameStream upload = client.open(new DefaultHttp2Headers().method("POST").scheme("https").authority("127.0.0.1")
                .path("/upload").set("expect", "100-continue").setInt("content-length", body.length));

        // Grafana's 100 Continue is relayed as an interim HEADERS frame that leaves the stream open for the body.
        await().atMost(Duration.ofSeconds(10)).until(() -> client.interimHeaders(upload.id()) != null);
        assertThat(client.interimHeaders(upload.id()).status().toString()).isEqualTo("100");
        assertThat(client.ended(upload.id())).isFalse();
        client.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true).stream(upload));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.ended(upload.id()));
        assertThat(client.responseHeaders(upload.id()).status().toString()).isEqualTo("200");
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body);
        assertThat(client.dataBytes(upload.id())).isEqualTo(("bytes=" + body.length + " crc=" + crc.getValue()).length());
    }

    @Test
    void aChunkedAnswerReachesAnHttp2ClientAsItsDataAndTrailersWithoutTheChunkFraming() throws Exception {
        RawBackend backend = track(new RawBackend("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
                + "Trailer: X-Checksum\r\nX-Backend: raw\r\n\r\n5\r\nhello\r\n7;note=1\r\n, world\r\n0\r\nX-Checksum: 42\r\n\r\n"));
        TestCertificates.Pair pair = pair();
        ProxyServer proxy = proxy(tls(pair).backend("a", backend.port()));

        HttpResponse<String> r = h2(pair).send(request(proxy, "/chunked").build(), HttpResponse.BodyHandlers.ofString());
        assertOkOverHttp2(r);
        assertThat(r.body()).isEqualTo("hello, world");
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain");
        assertThat(r.headers().firstValue("x-backend")).hasValue("raw");
        assertThat(r.headers().map().keySet()).doesNotContain("transfer-encoding", "connection", "trailer");

        H2FrameClient client = track(H2FrameClient.tls(proxy.port()));
        Http2FrameStream stream = client.request(H2FrameClient.get("/chunked"));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.ended(stream.id()));
        assertThat(client.dataBytes(stream.id())).isEqualTo("hello, world".length());
        assertThat(client.trailers(stream.id()).get("x-checksum").toString()).isEqualTo("42");
    }

    @Test
    void answersOnOneConnectionEachCarryTheirOwnHeaderValues() throws Exception {
        // The connection keeps the last value of each common header to send it again without a copy: an answer whose
        // value differs (another length, another type) must still get its own.
        TestBackend backend = track(new TestBackend("a"));
        TestCertificates.Pair pair = pair();
        ProxyServer proxy = proxy(tls(pair).backend("a", backend.port()));
        HttpClient client = h2(pair);

        for (int i = 0; i < 3; i++) {
            for (String path : List.of("/echo", "/other", "/download?n=7", "/upload")) {
                HttpResponse<byte[]> r = client.send(request(proxy, path).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertOkOverHttp2(r);
                if (path.startsWith("/download")) {
                    assertThat(r.body()).hasSize(7);
                    assertThat(r.headers().firstValue("content-type")).hasValue("application/octet-stream");
                    assertThat(r.headers().firstValue("content-length")).isEmpty();
                } else {
                    assertThat(r.headers().firstValue("content-type")).isEmpty();
                    assertThat(r.headers().firstValue("content-length")).hasValue(Integer.toString(r.body().length));
                }
            }
        }
    }

    @Test
    void anAnswerToHeadAndANoContentAnswerEndTheirStreamWithTheirHeaders() throws Exception {
        RawBackend lengthOnly = track(new RawBackend("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"v1\"\r\n\r\n"));
        RawBackend noContent = track(new RawBackend("HTTP/1.1 204 No Content\r\nX-Backend: raw\r\n\r\n"));
        TestCertificates.Pair pair = pair();
        ProxyServer head = proxy(tls(pair).backend("a", lengthOnly.port()));
        ProxyServer empty = proxy(tls(pair).backend("a", noContent.port()));
        HttpClient client = h2(pair);

        HttpResponse<String> h = client.send(request(head, "/d").method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> n = client.send(request(empty, "/d").DELETE().build(), HttpResponse.BodyHandlers.ofString());

        assertOkOverHttp2(h);
        assertThat(h.headers().firstValue("content-length")).hasValue("5");
        assertThat(h.headers().firstValue("etag")).hasValue("\"v1\"");
        assertThat(h.body()).isEmpty();
        assertThat(lengthOnly.requests()).singleElement().asString().startsWith("HEAD /d HTTP/1.1");
        assertThat(n.statusCode()).isEqualTo(204);
        assertThat(n.headers().firstValue("x-backend")).hasValue("raw");
        assertThat(n.body()).isEmpty();
    }

    @Test
    void aRequestOverHttp2IsRetriedOnTheOtherBackend() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort(); // closed again: connecting there is refused
        }
        TestBackend b = track(new TestBackend("b"));
        TestCertificates.Pair pair = pair();
        ProxyServer proxy = proxy(tls(pair).retries(1).backend("a", dead).backend("b", b.port()));

        HttpResponse<String> r = h2(pair).send(request(proxy, "/echo").build(), HttpResponse.BodyHandlers.ofString());

        assertOkOverHttp2(r);
        assertThat(r.body()).isEqualTo("name=b");
    }

    @Test
    void aStreamThatStopsReadingStopsTheBackendWhileOtherStreamsAreServed() throws Exception {
        TestBackend backend = track(new TestBackend("a"));
        TestCertificates.Pair pair = pair();
        ProxyServer proxy = proxy(tls(pair).backend("a", backend.port()));
        long size = 512L * 1024 * 1024;
        H2FrameClient client = track(H2FrameClient.tls(proxy.port()));

        Http2FrameStream slow = client.request(H2FrameClient.get("/download?n=" + size));

        // The client returns no window: the gateway may send it 64 KiB, then must stop reading the backend.
        await().atMost(Duration.ofSeconds(10)).until(() -> client.dataBytes(slow.id()) > 0);
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(10))
                .until(() -> backend.downloadBytesWritten() < 64L * 1024 * 1024);
        assertThat(client.dataBytes(slow.id())).isLessThanOrEqualTo(65_535);
        // The connection is not stuck behind it: another stream on it is answered.
        Http2FrameStream other = client.request(H2FrameClient.get("/echo"));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.ended(other.id()));
        assertThat(client.responseHeaders(other.id()).status().toString()).isEqualTo("200");
        // Reading again resumes the stream.
        long before = client.dataBytes(slow.id());
        client.consume(slow, (int) before);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.dataBytes(slow.id()) > before);
    }

    @Test
    void aStreamTheClientResetsEndsItsExchangeAndLetsGoOfItsBackendConnection() throws Exception {
        TestBackend backend = track(new TestBackend("a"));
        TestCertificates.Pair pair = pair();
        // A response timeout far beyond the waits below: only the reset can end the waiting exchange in time.
        ProxyServer proxy = proxy(tls(pair).backend("a", backend.port()).responseTimeout(Duration.ofSeconds(60)));
        H2FrameClient client = track(H2FrameClient.tls(proxy.port()));

        // Streams reset by the browser (it navigated away): one still waiting for its backend's answer, one in the
        // middle of a large answer. Neither backend connection can be reused, so both are closed, and nothing stays
        // in flight. (The waiting one only ends because the gateway hears of the reset: nothing is being written.)
        Http2FrameStream waiting = client.request(H2FrameClient.get("/hold"));
        Http2FrameStream download = client.request(H2FrameClient.get("/download?n=" + 512L * 1024 * 1024));
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.holding() == 1 && client.dataBytes(download.id()) > 0);
        assertThat(proxy.inFlight()).isEqualTo(2);

        client.write(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(waiting));
        client.write(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(download));
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.inFlight() == 0 && proxy.openBackendConnections() == 0);
        backend.release();

        // The connection itself goes on serving.
        Http2FrameStream next = client.request(H2FrameClient.get("/echo"));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.ended(next.id()));
        assertThat(client.responseHeaders(next.id()).status().toString()).isEqualTo("200");
    }

    @Test
    void curlGetsTheSameAnswerOverHttp2AndHttp11() throws Exception {
        assumeTrue(curlSpeaksHttp2(), "curl with HTTP/2 support is not on the PATH");
        TestBackend backend = track(new TestBackend("a"));
        TestCertificates.Pair pair = pair();
        ProxyServer proxy = proxy(tls(pair).backend("a", backend.port()));
        String url = "https://127.0.0.1:" + proxy.port() + "/echo";

        TestCertificates.Result h2 = TestCertificates.run(dir, "curl", "-sS", "--http2", "--cacert", pair.certFile().toString(),
                "-w", "\\n%{http_version}", url);
        TestCertificates.Result h1 = TestCertificates.run(dir, "curl", "-sS", "--http1.1", "--cacert", pair.certFile().toString(),
                "-w", "\\n%{http_version}", url);

        assertThat(h2.output()).isEqualTo("name=a\n2");
        assertThat(h1.output()).isEqualTo("name=a\n1.1");
    }

    @Test
    void h2cWithPriorKnowledgeIsServedOnAPlainListenerWhenEnabled() throws Exception {
        assumeTrue(curlSpeaksHttp2(), "curl with HTTP/2 support is not on the PATH");
        TestBackend backend = track(new TestBackend("a"));
        ProxyServer proxy = proxy(ConfigFixture.gateway().http2(Http2Config.DEFAULT.withH2c(true)).backend("a", backend.port()));
        String url = "http://127.0.0.1:" + proxy.port() + "/echo";

        TestCertificates.Result h2c = TestCertificates.run(dir, "curl", "-sS", "--http2-prior-knowledge", "-w", "\\n%{http_version}", url);
        TestCertificates.Result h1 = TestCertificates.run(dir, "curl", "-sS", "--http1.1", "-w", "\\n%{http_version}", url);

        assertThat(h2c.output()).isEqualTo("name=a\n2");
        assertThat(h1.output()).isEqualTo("name=a\n1.1");
        assertThat(backend.lastHeaders().getFirst("X-Forwarded-Proto")).isEqualTo("http");
    }

    @Test
    void withHttp2OffAlpnOffersOnlyHttp11() throws Exception {
        TestBackend backend = track(new TestBackend("a"));
        TestCertificates.Pair pair = pair();
        Http2Config off = new Http2Config(false, false, 128, 16384, 200, Duration.ofSeconds(30), 10_000);
        ProxyServer proxy = proxy(tls(pair).http2(off).backend("a", backend.port()));

        HttpResponse<String> r = h2(pair).send(request(proxy, "/echo").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(r.body()).isEqualTo("name=a");
    }

    @Test
    void onShutdownAnHttp2ClientGetsGoAwayAndItsStreamInFlightStillFinishes() throws Exception {
        TestBackend backend = track(new TestBackend("a"));
        ProxyServer proxy = proxy(tls(pair()).backend("a", backend.port()));
        H2FrameClient client = track(H2FrameClient.tls(proxy.port()));
        Http2FrameStream held = client.request(H2FrameClient.get("/hold"));
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.holding() == 1);

        CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> proxy.shutdown(Duration.ofSeconds(10)));

        assertThat(client.goAway().get(10, java.util.concurrent.TimeUnit.SECONDS).errorCode()).isZero(); // NO_ERROR
        backend.release();
        await().atMost(Duration.ofSeconds(10)).until(() -> client.ended(held.id()));
        assertThat(client.responseHeaders(held.id()).status().toString()).isEqualTo("200");
        assertThat(drained.get(15, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }

    static boolean curlSpeaksHttp2() {
        try {
            Process p = new ProcessBuilder("curl", "-V").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            return p.waitFor() == 0 && out.contains("HTTP2");
        } catch (Exception e) {
            return false;
        }
    }
}
