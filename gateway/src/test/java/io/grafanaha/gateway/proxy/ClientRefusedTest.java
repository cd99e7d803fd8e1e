package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.gateway.testing.RefusingBackend;
import io.grafanaha.gateway.testing.TestBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A backend that answers before the client's body has ended and then resets (Grafana's 401 to a large
 * unauthenticated upload) refused the client's request; it did not fail. The client gets the answer and
 * passive detection hears no failure, so anonymous clients cannot force failovers.
 */
class ClientRefusedTest {
    private static final int UPLOAD = 10 * 1024 * 1024;
    private final List<String> outcomes = new CopyOnWriteArrayList<>();
    private final RefusingBackend refusing = new RefusingBackend();
    private final TestBackend replica = new TestBackend("b");
    private ProxyServer proxy;

    @AfterEach
    void stop() throws IOException {
        proxy.shutdown(Duration.ZERO);
        refusing.close();
        replica.close();
    }

    /** Sends a 10 MB upload as fast as the gateway takes it, from another thread, and reads what comes back. */
    private RawHttp.Reply upload(String path) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: g\r\nContent-Type: application/json\r\nContent-Length: " + UPLOAD
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                    for (int sent = 0; sent < UPLOAD; sent += chunk.length) {
                        out.write(chunk);
                    }
                } catch (IOException refused) {
                    // the gateway stopped taking the body: expected once the answer is in
                }
            });
            writer.start();
            RawHttp.Reply reply = RawHttp.readAll(socket.getInputStream());
            writer.join(10_000);
            return reply;
        }
    }

    @Test
    void aBackendThatAnswersAndResetsMidUploadIsNeverCountedAsFailing() throws Exception {
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", refusing.port()).backend("grafana-b", replica.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry(),
                (b, o) -> outcomes.add(b.name() + ":" + o)).start();

        for (int i = 0; i < 5; i++) {
            RawHttp.Reply reply = upload("/api/dashboards/db");

            assertThat(reply.status()).as("upload " + i + " gets the backend's answer").isEqualTo(401);
            assertThat(reply.body()).isEqualTo(RefusingBackend.ANSWER_BODY);
        }

        assertThat(outcomes).as("the client's request was refused; the backend did not fail")
                .noneMatch(o -> o.endsWith(":RESET") || o.endsWith(":INVALID_RESPONSE"));
        assertThat(replica.totalHits()).as("never retried elsewhere").isZero();
    }
}
