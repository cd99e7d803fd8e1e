package io.grafanaha.health.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real {@link HttpProbe} against a real HTTP server on loopback. */
class HttpProbeTest {

    // Generous: only the hanging backend should ever reach it, even on a loaded CI machine.
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final Duration PATIENT = Duration.ofSeconds(5);

    private final AtomicInteger requests = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private HttpServer server;
    private URI health;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(pool);
        server.createContext("/api/health", this::answer);
        server.createContext("/wrong", exchange -> respond(exchange, 404, "not found"));
        server.start();
        health = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/health");
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        release.countDown();
        server.stop(0);
        pool.shutdownNow();
        pool.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** 200 ok, then 503 failing, then a handler that never answers. */
    private void answer(HttpExchange exchange) throws IOException {
        switch (requests.incrementAndGet()) {
            case 1 -> respond(exchange, 200, "{\"commit\":\"abc\",\"database\":\"ok\",\"version\":\"12.1.0\"}");
            case 2 -> respond(exchange, 503, "{\"commit\":\"abc\",\"database\":\"failing\",\"version\":\"12.1.0\"}");
            default -> {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    /** A check patient enough that a busy machine does not turn an answer into a timeout. */
    private static CheckResult check(URI url) throws Exception {
        return check(url, PATIENT);
    }

    private static CheckResult check(URI url, Duration timeout) throws Exception {
        return HttpProbe.create(timeout).check(url, timeout).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void passesOnDatabaseOkFailsOnFailingAndTimesOutOnAHangingBackend() throws Exception {
        CheckResult ok = check(health);
        assertThat(ok.passed()).isTrue();
        assertThat(ok.status()).isEqualTo(200);

        CheckResult failing = check(health);
        assertThat(failing.verdict()).isEqualTo(CheckResult.Verdict.FAIL);
        assertThat(failing.status()).isEqualTo(503);
        assertThat(failing.detail()).contains("503").contains("failing");

        CheckResult hanging = check(health, TIMEOUT);
        assertThat(hanging.verdict()).isEqualTo(CheckResult.Verdict.FAIL);
        assertThat(hanging.status()).isZero();
        assertThat(hanging.detail()).contains("timeout");
        assertThat(hanging.latency()).isGreaterThanOrEqualTo(TIMEOUT).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void aFourXxIsAMisconfiguration() throws Exception {
        URI wrong = health.resolve("/wrong");
        assertThat(check(wrong).verdict()).isEqualTo(CheckResult.Verdict.MISCONFIGURED);
    }

    @Test
    void aRefusedConnectionFails() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        // A refusal on loopback is immediate; the long timeout only keeps a busy machine from turning it into a timeout.
        Duration patient = Duration.ofSeconds(3);
        CheckResult refused = HttpProbe.create(patient).check(URI.create("http://127.0.0.1:" + port + "/api/health"), patient)
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(refused.verdict()).isEqualTo(CheckResult.Verdict.FAIL);
        assertThat(refused.detail()).contains("refused");
    }
}
