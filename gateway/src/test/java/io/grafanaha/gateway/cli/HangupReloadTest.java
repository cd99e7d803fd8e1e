package io.grafanaha.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.config.ConfigLoader;
import io.grafanaha.gateway.reload.ReloadResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sun.misc.Signal;

/** {@code kill -HUP}: the same reload as the admin API, run off the JVM's signal thread. */
class HangupReloadTest {
    @TempDir
    Path dir;

    @Test
    void aHangupSignalReloadsTheFileTheGatewayWasStartedWith() throws Exception {
        Path file = dir.resolve("gateway.yaml");
        String yaml = """
                listen: 127.0.0.1:0
                admin:
                  listen: 127.0.0.1:0
                mode: failover
                backends:
                  - name: grafana-a
                    url: http://127.0.0.1:9
                    role: primary
                proxy:
                  response-timeout: 30s
                """;
        Files.writeString(file, yaml);
        ConfigLoader loader = new ConfigLoader(Map.of());
        try (Gateway gateway = Gateway.create(file, loader.load(file), loader).start()) {
            // Installed only where SIGHUP exists; then raising it cannot end this JVM.
            assumeThat(HangupReload.install(gateway)).isTrue();
            Files.writeString(file, yaml.replace("30s", "5s"));

            Signal.raise(new Signal("HUP"));

            await().atMost(Duration.ofSeconds(10)).until(() -> gateway.configReload().orElseThrow().last().isPresent());
            ReloadResult result = gateway.configReload().orElseThrow().last().orElseThrow();
            assertThat(result.trigger()).isEqualTo("SIGHUP");
            assertThat(result.message()).isEqualTo("applied: proxy");
            assertThat(gateway.config().proxy().responseTimeout()).isEqualTo(Duration.ofSeconds(5));
        }
    }
}
