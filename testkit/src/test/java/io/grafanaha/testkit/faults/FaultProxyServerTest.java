package io.grafanaha.testkit.faults;

import static eu.rekawek.toxiproxy.model.ToxicDirection.DOWNSTREAM;
import static eu.rekawek.toxiproxy.model.ToxicDirection.UPSTREAM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import com.sun.net.httpserver.HttpServer;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.toxic.Latency;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FaultProxyServerTest {

    private Toxiproxies toxiproxies;
    private ToxiproxyClient client;
    private EchoServer echo;
    private Proxy proxy;

    @BeforeEach
    void start() throws IOException {
        toxiproxies = Toxiproxies.connect();
        client = toxiproxies.client();
        echo = new EchoServer();
        proxy = client.createProxy("echo", "127.0.0.1:0", echo.address());
    }

    @AfterEach
    void stop() throws IOException {
        toxiproxies.close();
        echo.close();
    }

    @Test
    void reportsTheRealListenAddressAndMirrorsTheApi() throws IOException {
        assertThat(client.version()).isNotBlank();
        assertThat(proxy.getListen()).matches("127\\.0\\.0\\.1:\\d+").isNotEqualTo("127.0.0.1:0");
        assertThat(proxy.isEnabled()).isTrue();
        assertThat(client.getProxies()).extracting(Proxy::getName).containsExactly("echo");
        assertThat(client.getProxyOrNull("missing")).isNull();
        assertThatThrownBy(() -> client.createProxy("echo", "127.0.0.1:0", echo.address()))
                .isInstanceOf(IOException.class).hasMessageContaining("409");

        proxy.toxics().latency("slow", DOWNSTREAM, 300).setJitter(20);
        Latency latency = proxy.toxics().get("slow", Latency.class);
        assertThat(latency.getLatency()).isEqualTo(300);
        assertThat(latency.getJitter()).isEqualTo(20);
        assertThat(latency.getStream()).isEqualTo(DOWNSTREAM);
        assertThat(proxy.toxics().getAll()).hasSize(1);
        assertThatThrownBy(() -> proxy.toxics().latency("slow", DOWNSTREAM, 1)).isInstanceOf(IOException.class);

        proxy.delete();
        assertThat(client.getProxies()).isEmpty();
    }

    @Test
    void passesBytesToEchoAndHttpUpstreams() throws Exception {
        try (Socket socket = connect()) {
            assertThat(roundTrip(socket, "hello")).isEqualTo("hello");
        }

        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/api/health", exchange -> {
            byte[] body = "{\"database\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
        try {
            Proxy grafana = client.createProxy("grafana", "127.0.0.1:0",
                    "127.0.0.1:" + http.getAddress().getPort());
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://" + grafana.getListen() + "/api/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"database\":\"ok\"}");
        } finally {
            http.stop(0);
        }
    }

    @Test
    void latencyDelaysTheResponseAndRemovingItHeals() throws IOException {
        proxy.toxics().latency("slow", DOWNSTREAM, 300);
        try (Socket socket = connect()) {
            long started = System.nanoTime();
            assertThat(roundTrip(socket, "ping")).isEqualTo("ping");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));

            proxy.toxics().get("slow").remove();
            long healed = System.nanoTime();
            assertThat(roundTrip(socket, "pong")).isEqualTo("pong");
            assertThat(Duration.ofNanos(System.nanoTime() - healed)).isLessThan(Duration.ofMillis(300));
        }
    }

    @Test
    void resetPeerMakesTheClientSeeAConnectionReset() throws IOException {
        proxy.toxics().resetPeer("rst", DOWNSTREAM, 0);
        try (Socket socket = connect()) {
            socket.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThatThrownBy(() -> socket.getInputStream().read())
                    .isInstanceOf(SocketException.class)
                    .hasMessageContaining("reset");
        }
    }

    @Test
    void timeoutZeroHoldsDataWhileTheConnectionStaysOpen() throws IOException {
        proxy.toxics().timeout("blackhole", DOWNSTREAM, 0);
        try (Socket socket = connect()) {
            socket.setSoTimeout(500);
            socket.getOutputStream().write("lost".getBytes(StandardCharsets.US_ASCII));
            assertThatThrownBy(() -> socket.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);

            proxy.toxics().get("blackhole").remove();
            socket.setSoTimeout(5_000);
            assertThat(roundTrip(socket, "back")).isEqualTo("back");
        }
    }

    @Test
    void timeoutWithADurationClosesTheConnection() throws IOException {
        proxy.toxics().timeout("cut", UPSTREAM, 200);
        try (Socket socket = connect()) {
            socket.getOutputStream().write("never arrives".getBytes(StandardCharsets.US_ASCII));
            long started = System.nanoTime();
            assertThat(readToEnd(socket.getInputStream())).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
        }
    }

    @Test
    void limitDataCutsTheStreamAfterNBytes() throws IOException {
        proxy.toxics().limitData("limit", DOWNSTREAM, 10);
        try (Socket socket = connect()) {
            byte[] payload = new byte[100];
            Arrays.fill(payload, (byte) 'a');
            socket.getOutputStream().write(payload);
            assertThat(readToEnd(socket.getInputStream())).hasSize(10);
        }
    }

    @Test
    void bandwidthThrottlesTheTransfer() throws IOException {
        proxy.toxics().bandwidth("narrow", DOWNSTREAM, 50);
        try (Socket socket = connect()) {
            byte[] payload = new byte[25_000];
            Arrays.fill(payload, (byte) 'b');
            long started = System.nanoTime();
            socket.getOutputStream().write(payload);
            assertThat(socket.getInputStream().readNBytes(payload.length)).isEqualTo(payload);
            // 25 kB at 50 KB/s is 500 ms; allow for the first slice going out early.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }
    }

    @Test
    void slicerAndSlowCloseStillDeliverEveryByte() throws IOException {
        proxy.toxics().slicer("slices", DOWNSTREAM, 10, 0).setSizeVariation(5);
        proxy.toxics().slowClose("lingering", DOWNSTREAM, 100);
        try (Socket socket = connect()) {
            String message = "a message cut into pieces on its way back";
            assertThat(roundTrip(socket, message)).isEqualTo(message);
        }
    }

    @Test
    void disablingRefusesNewConnectionsAndClosesExistingOnes() throws IOException {
        try (Socket socket = connect()) {
            assertThat(roundTrip(socket, "before")).isEqualTo("before");
            proxy.disable();
            assertThat(proxy.isEnabled()).isFalse();
            assertThat(readToEnd(socket.getInputStream())).isEmpty();
        }
        assertThatThrownBy(this::connect).isInstanceOf(ConnectException.class);

        proxy.enable();
        try (Socket socket = connect()) {
            assertThat(roundTrip(socket, "after")).isEqualTo("after");
        }
    }

    @Test
    void resetRemovesAllToxicsAndEnablesEveryProxy() throws IOException {
        proxy.toxics().latency("slow", DOWNSTREAM, 1_000);
        proxy.toxics().timeout("blackhole", UPSTREAM, 0);
        proxy.disable();

        client.reset();

        Proxy fresh = client.getProxy("echo");
        assertThat(fresh.isEnabled()).isTrue();
        assertThat(fresh.toxics().getAll()).isEmpty();
        try (Socket socket = connect()) {
            assertThat(roundTrip(socket, "clean")).isEqualTo("clean");
        }
    }

    @Test
    void unreachableUpstreamClosesTheClient() throws IOException {
        echo.close();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            try (Socket socket = connect()) {
                socket.getOutputStream().write('x');
                assertThat(readToEnd(socket.getInputStream())).isEmpty();
            }
        });
    }

    private Socket connect() throws IOException {
        String[] hostPort = client.getProxy("echo").getListen().split(":");
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 2_000);
        socket.setSoTimeout(5_000);
        return socket;
    }

    private static String roundTrip(Socket socket, String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(bytes);
        return new String(socket.getInputStream().readNBytes(bytes.length), StandardCharsets.UTF_8);
    }

    /** Reads until EOF; a reset after some bytes also counts as the end, since the bytes read are the point. */
    private static byte[] readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                read.write(buffer, 0, n);
            }
        } catch (SocketException reset) {
            // Closed under us: same outcome for these tests.
        }
        return read.toByteArray();
    }
}
