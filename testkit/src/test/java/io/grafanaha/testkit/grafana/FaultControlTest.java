package io.grafanaha.testkit.grafana;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Test controls: stop/restart, hang, delay, inject5xx, counters and the recorded last request. */
class FaultControlTest {
    private GrafanaEmulator grafana;
    private TestClient client;

    @BeforeEach
    void start() {
        grafana = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-f"));
        client = new TestClient(grafana);
    }

    @AfterEach
    void stop() {
        grafana.close();
    }

    /** Reads one HTTP response off a raw socket: headers up to the blank line, then Content-Length bytes. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed mid-response: " + head);
            }
            head.append((char) b);
        }
        String lower = head.toString().toLowerCase();
        int at = lower.indexOf("content-length:");
        int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf('\r', at)).trim());
        byte[] body = in.readNBytes(length);
        return head + new String(body, StandardCharsets.UTF_8);
    }

    @Test
    void stopResetsOpenConnectionsRefusesNewOnesAndRestartKeepsData() throws Exception {
        client.saveDashboard("{\"uid\":\"keep\",\"title\":\"Keep me\"}", "");
        try (Socket socket = new Socket("127.0.0.1", grafana.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200 OK");
            await().atMost(Duration.ofSeconds(10)).until(() -> grafana.openConnections() >= 1);

            grafana.stop();

            assertThat(grafana.isRunning()).isFalse();
            assertThat(grafana.openConnections()).isZero();
            // A reset surfaces as an IOException, a plain close as end-of-stream; either way the connection is gone.
            int read;
            try {
                read = socket.getInputStream().read();
            } catch (IOException reset) {
                read = -1;
            }
            assertThat(read).isEqualTo(-1);
        }
        assertThatThrownBy(() -> new Socket("127.0.0.1", grafana.port()).close()).isInstanceOf(ConnectException.class);

        grafana.restart();

        TestClient fresh = new TestClient(grafana);
        HttpResponse<String> res = fresh.get("/api/dashboards/uid/keep");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(TestClient.json(res).at("/dashboard/title").asText()).isEqualTo("Keep me");
        // the id sequence continues too
        assertThat(TestClient.json(fresh.saveDashboard("{\"title\":\"Next\"}", "")).get("id").asLong()).isEqualTo(2);
    }

    @Test
    void aStoppedInstanceKeepsItsPortFromOthersSoRestartGetsItBack() throws Exception {
        int port = grafana.port();
        grafana.stop();

        // Another test asking for this port (or the kernel handing it out as an ephemeral one) would make
        // "connection refused" a connection to someone else and restart() a bind failure.
        try (ServerSocket other = new ServerSocket()) {
            other.setReuseAddress(false);
            assertThatThrownBy(() -> other.bind(new InetSocketAddress("127.0.0.1", port))).isInstanceOf(BindException.class);
        }
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);

        grafana.restart();
        assertThat(grafana.port()).isEqualTo(port);
        assertThat(client.send(client.request("/api/health")).statusCode()).isEqualTo(200);
    }

    @Test
    void heldAnswersLeaveOtherPathsAnsweredAndWithApplyTheChangeIsMadeAllTheSame() {
        grafana.holdAnswers("/api/dashboards/db", true);
        HttpRequest save = client.authed("/api/dashboards/db").header("Content-Type", "application/json")
                .timeout(Duration.ofMillis(500))
                .POST(HttpRequest.BodyPublishers.ofString("{\"dashboard\":{\"uid\":\"held\",\"title\":\"Held\"}}")).build();

        assertThatThrownBy(() -> client.http().send(save, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(client.send(client.request("/api/health")).statusCode()).isEqualTo(200);
        assertThat(grafana.dashboard("held")).as("applied, only the answer is lost").isPresent();

        grafana.releaseAnswers();
        assertThat(client.saveDashboard("{\"uid\":\"answered\",\"title\":\"Answered\"}", "").statusCode()).isEqualTo(200);
    }

    @Test
    void hangReadsRequestsButNeverAnswers() {
        grafana.hang(true);
        long before = grafana.requestCount();
        assertThatThrownBy(() -> client.http().send(client.request("/api/health").timeout(Duration.ofMillis(300)).build(),
                HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(grafana.requestCount()).isEqualTo(before + 1);
        grafana.hang(false);
        assertThat(client.send(client.request("/api/health")).statusCode()).isEqualTo(200);
    }

    @Test
    void delayHoldsEveryAnswer() {
        grafana.delay(Duration.ofMillis(300));
        long start = System.nanoTime();
        assertThat(client.send(client.request("/healthz")).statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        grafana.delay(Duration.ZERO);
    }

    @Test
    void inject5xxFailsTheNextApiCallsButNotHealth() {
        // grafana-api.md §1.1: response.Error with an attached error → {"message","traceID"}
        grafana.inject5xx(503, 2);
        HttpResponse<String> first = client.get("/api/search");
        assertThat(first.statusCode()).isEqualTo(503);
        assertThat(first.body()).isEqualTo("{\"message\":\"Service Unavailable\",\"traceID\":\"\"}");
        assertThat(client.send(client.request("/api/health")).statusCode()).isEqualTo(200);
        assertThat(client.get("/api/search").statusCode()).isEqualTo(503);
        assertThat(client.get("/api/search").statusCode()).isEqualTo(200);
    }

    @Test
    void lastRequestAndCountersShowWhatArrived() {
        client.send(client.authed("/api/search?query=x")
                .header("X-Forwarded-For", "10.0.0.1")
                .header("Origin", "http://gateway.example")
                .POST(HttpRequest.BodyPublishers.ofString("payload")));
        RecordedRequest last = grafana.lastRequest().orElseThrow();
        assertThat(last.method()).isEqualTo("POST");
        assertThat(last.uri()).isEqualTo("/api/search?query=x");
        assertThat(last.path()).isEqualTo("/api/search");
        assertThat(last.header("x-forwarded-for")).hasValue("10.0.0.1");
        assertThat(last.header("Origin")).hasValue("http://gateway.example");
        assertThat(last.header("Host")).hasValue("127.0.0.1:" + grafana.port());
        assertThat(new String(last.body(), StandardCharsets.UTF_8)).isEqualTo("payload");
        assertThat(grafana.requestCount("/api/search")).isEqualTo(1);
        assertThat(grafana.requestCount()).isEqualTo(1);
    }

    @Test
    void keepAliveReusesOneConnection() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", grafana.port())) {
            socket.setSoTimeout(10_000);
            for (int i = 0; i < 3; i++) {
                socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\nOk");
            }
            assertThat(grafana.openConnections()).isEqualTo(1);
        }
    }

    @Test
    void requestCountsAreReadableOverHttpWithoutCountingThemselves() throws Exception {
        client.saveDashboard("{\"uid\":\"counted\",\"title\":\"Counted\"}", "");
        client.send(client.authed("/api/dashboards/uid/counted").GET());

        HttpResponse<String> res = client.send(client.request("/_emulator/requests").GET());

        assertThat(res.statusCode()).isEqualTo(200);
        var counts = TestClient.MAPPER.readTree(res.body());
        assertThat(counts.path("total").asLong()).isEqualTo(2);
        assertThat(counts.path("byPath").path("/api/dashboards/db").asLong()).isEqualTo(1);
        assertThat(counts.path("byPath").path("/api/dashboards/uid/counted").asLong()).isEqualTo(1);
        assertThat(grafana.requestCount()).isEqualTo(2);
    }
}
