package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawBackend;
import io.grafanaha.gateway.testing.RawHttp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The request path toward the backend, seen from a raw backend socket that records every byte a connection carried:
 * one well-formed head per request (a bodiless one goes as its head's bytes, a body still streams after an encoded
 * head), hop-by-hop headers gone, the forwarded ones set once, and a retry sending the very same bytes again.
 */
class RequestBytesTest {
    private static final String CLIENT_HEADERS = "Host: g.example\r\nUser-Agent: t\r\nConnection: close, X-Drop\r\n"
            + "X-Drop: hop\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nX-Forwarded-For: 6.6.6.6\r\nX-Request-Id: req-1\r\n";

    @Test
    void aGetReachesTheBackendAsOneHeadWithTheForwardedHeaders() {
        try (Recorder backend = new Recorder(new AtomicInteger())) {
            RawHttp.Reply reply = withGateway(List.of(backend), "GET /api/search?q=a%20b HTTP/1.1\r\n" + CLIENT_HEADERS + "\r\n");
            assertThat(reply.status()).isEqualTo(200);
            String head = backend.onlyRequest();
            assertThat(backend.everything()).isEqualTo(head); // nothing but the one head crossed the connection
            assertThat(head).startsWith("GET /api/search?q=a%20b HTTP/1.1\r\n").endsWith("\r\n\r\n");
            assertForwarded(head);
        }
    }

    @Test
    void aPostsBodyFollowsItsHeadUnchanged() {
        try (Recorder backend = new Recorder(new AtomicInteger())) {
            RawHttp.Reply reply = withGateway(List.of(backend), "POST /api/ds/query HTTP/1.1\r\n" + CLIENT_HEADERS
                    + "Content-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\":\"bc\"}\n");
            assertThat(reply.status()).isEqualTo(200);
            String request = backend.onlyRequest();
            assertThat(backend.everything()).isEqualTo(request);
            assertThat(request).startsWith("POST /api/ds/query HTTP/1.1\r\n").endsWith("\r\n\r\n{\"a\":\"bc\"}\n");
            assertThat(lines(request)).contains("content-length: 11", "content-type: application/json");
            assertForwarded(request);
        }
    }

    @Test
    void aRetriedGetSendsTheSameBytesToTheNextBackend() {
        AtomicInteger failuresLeft = new AtomicInteger(1); // the first request anywhere gets a 503, then 200s
        try (Recorder a = new Recorder(failuresLeft); Recorder b = new Recorder(failuresLeft)) {
            RawHttp.Reply reply = withGateway(List.of(a, b), "GET /api/dashboards/uid/x HTTP/1.1\r\n" + CLIENT_HEADERS + "\r\n");
            assertThat(reply.status()).isEqualTo(200);
            String first = a.requests().isEmpty() ? null : a.onlyRequest();
            String second = b.requests().isEmpty() ? null : b.onlyRequest();
            assertThat(first).isNotNull().isEqualTo(second);
            assertThat(a.everything()).isEqualTo(first);
            assertThat(b.everything()).isEqualTo(second);
            assertForwarded(first);
        }
    }

    private static void assertForwarded(String head) {
        List<String> lines = lines(head);
        assertThat(lines).contains("host: g.example", "user-agent: t", "x-forwarded-for: 127.0.0.1", "x-real-ip: 127.0.0.1",
                "x-forwarded-proto: http", "x-forwarded-host: g.example", "x-request-id: req-1");
        assertThat(lines).noneMatch(l -> l.startsWith("connection:") || l.startsWith("keep-alive:") || l.startsWith("te:")
                || l.startsWith("x-drop:"));
        for (String name : List.of("host", "x-forwarded-for", "x-real-ip", "x-forwarded-proto", "x-forwarded-host", "x-request-id")) {
            assertThat(lines).filteredOn(l -> l.startsWith(name + ":")).hasSize(1);
        }
    }

    /** The header lines of a head, lower-cased, each well-formed ({@code name: value}). */
    private static List<String> lines(String request) {
        String head = request.substring(0, request.indexOf("\r\n\r\n"));
        List<String> lines = new ArrayList<>();
        for (String line : head.substring(head.indexOf("\r\n") + 2).split("\r\n")) {
            assertThat(line).matches("[A-Za-z0-9-]+: [^\r\n]*");
            lines.add(line.toLowerCase(Locale.ROOT));
        }
        return lines;
    }

    private static RawHttp.Reply withGateway(List<Recorder> backends, String request) {
        ConfigFixture fixture = ConfigFixture.gateway();
        char name = 'a';
        for (Recorder backend : backends) {
            fixture.backend("grafana-" + name++, backend.port());
        }
        var config = fixture.build();
        ProxyServer proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry(), (b, o) -> {}).start();
        try {
            return RawHttp.send(proxy.port(), request, 3000);
        } finally {
            proxy.shutdown(Duration.ZERO);
            // The pooled connections are closed now: each recorder has read everything its connection carried.
            backends.forEach(b -> await().atMost(Duration.ofSeconds(5)).until(b::allClosed));
        }
    }

    /** A keep-alive backend that records each request (head and Content-Length body) and every byte it received. */
    private static final class Recorder implements AutoCloseable {
        private final ServerSocket server;
        private final AtomicInteger failuresLeft;
        private final List<String> requests = new CopyOnWriteArrayList<>();
        private final ByteArrayOutputStream everything = new ByteArrayOutputStream();
        private final AtomicInteger open = new AtomicInteger();

        Recorder(AtomicInteger failuresLeft) {
            this.failuresLeft = failuresLeft;
            try {
                server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread acceptor = new Thread(this::accept, "recording-backend");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        List<String> requests() {
            return requests;
        }

        String onlyRequest() {
            assertThat(requests).hasSize(1);
            return requests.get(0);
        }

        String everything() {
            synchronized (everything) {
                return everything.toString(StandardCharsets.ISO_8859_1);
            }
        }

        boolean allClosed() {
            return open.get() == 0;
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    open.incrementAndGet();
                    Thread connection = new Thread(() -> serve(socket), "recording-connection");
                    connection.setDaemon(true);
                    connection.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            try (socket) {
                InputStream in = new FilterInputStream(socket.getInputStream()) {
                    @Override
                    public int read() throws IOException {
                        int b = super.read();
                        if (b >= 0) {
                            synchronized (everything) {
                                everything.write(b);
                            }
                        }
                        return b;
                    }
                };
                for (String head = RawBackend.readHead(in); !head.isEmpty(); head = RawBackend.readHead(in)) {
                    int length = contentLength(head);
                    StringBuilder request = new StringBuilder(head);
                    for (int i = 0; i < length; i++) {
                        request.append((char) in.read());
                    }
                    requests.add(request.toString());
                    String answer = failuresLeft.getAndDecrement() > 0
                            ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
                            : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                    socket.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                    socket.getOutputStream().flush();
                }
            } catch (IOException e) {
                // the gateway closed the connection: what was read is recorded
            } finally {
                open.decrementAndGet();
            }
        }

        private static int contentLength(String head) {
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    return Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return 0;
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException e) {
                // closing a test backend
            }
        }
    }
}
