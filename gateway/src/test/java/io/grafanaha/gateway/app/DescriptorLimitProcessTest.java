package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.cli.Main;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.gateway.testing.TestBackend;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as a process with a small open-file limit ({@code prlimit --nofile}), flooded with more idle
 * connections than it has descriptors: the public listener's cap keeps it below the limit, so the admin
 * listener still answers, accept does not fail in a loop, and the front door serves again once the flood
 * is gone.
 */
@EnabledOnOs(OS.LINUX)
class DescriptorLimitProcessTest {
    private static final int OPEN_FILES = 512;
    private static final int FLOOD = 700;

    @TempDir
    Path dir;

    private final TestBackend backend = new TestBackend("grafana-a");
    private final List<Socket> flood = new ArrayList<>();
    private Process process;

    @AfterEach
    void stop() throws Exception {
        for (Socket s : flood) {
            s.close();
        }
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        backend.close();
    }

    @Test
    void aFloodOfIdleClientsBeyondTheOpenFileLimitLeavesTheAdminListenerAnsweringAndNothingSpinning() throws Exception {
        int port = freePort();
        int adminPort = freePort();
        Path config = dir.resolve("gateway.yaml");
        Files.writeString(config, """
                listen: 127.0.0.1:%d
                admin:
                  listen: 127.0.0.1:%d
                mode: failover
                backends:
                  - name: grafana-a
                    url: http://127.0.0.1:%d
                    role: primary
                failback:
                  require-sync: false
                """.formatted(port, adminPort, backend.port()));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        process = new ProcessBuilder("prlimit", "--nofile=" + OPEN_FILES + ":" + OPEN_FILES, java.toString(), "-Xmx128m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("gateway.log").toFile()).start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("the gateway exited: " + Files.readString(dir.resolve("gateway.log")));
            }
            return healthz(adminPort) == 200;
        });

        for (int i = 0; i < FLOOD; i++) {
            Socket s = new Socket("127.0.0.1", port);
            flood.add(s);
            try {
                s.getOutputStream().write("GET /echo HTTP/1.1\r\nHost: g\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException closedByTheCap) {
                // expected for the connections over the cap
            }
        }
        Duration cpuBefore = cpu();
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
        Duration spent = cpu().minus(cpuBefore);

        assertThat(healthz(adminPort)).isEqualTo(200);
        assertThat(spent).as("CPU used in two seconds of a full front door").isLessThan(Duration.ofMillis(800));
        assertThat(process.isAlive()).isTrue();

        for (Socket s : flood) {
            s.close();
        }
        // The test backend fails the health check, so the answer is the gateway's own 503: the front door answers again.
        await().atMost(Duration.ofSeconds(10)).until(() ->
                RawHttp.send(port, "GET /echo HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n", 2000).status() > 0);
    }

    private Duration cpu() {
        return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    private static int healthz(int adminPort) {
        try {
            return RawHttp.send(adminPort, "GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 3000).status();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
