package io.grafanaha.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.testing.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a reload would apply live and what it would leave for a restart. */
class ConfigDiffTest {
    private static final String BASE = """
            listen: 127.0.0.1:8080
            admin:
              listen: 127.0.0.1:9090
              token: "t"
            mode: failover
            backends:
              - name: a
                url: http://10.0.0.1:3000
                role: primary
                api-token: one
              - name: b
                url: http://10.0.0.2:3000
            sync:
              repository: https://git.example.com/org/dashboards.git
              interval: 60s
            """;

    private static GatewayConfig parse(String yaml) throws ConfigException {
        return new ConfigLoader(Map.of()).parse(yaml, "test.yaml");
    }

    @Test
    void theSameFileChangesNothing() throws Exception {
        assertThat(ConfigDiff.between(parse(BASE), parse(BASE)).isEmpty()).isTrue();
    }

    @Test
    void aChangedClientCertificateWaitsForARestartAndTheRunningOneStays(@TempDir Path dir) throws Exception {
        TestCertificates.Pair first = TestCertificates.create(dir, "first");
        TestCertificates.Pair second = TestCertificates.create(dir, "second");
        String https = BASE.replace("http://10.0.0.1:3000", "https://10.0.0.1:3000")
                .replace("    api-token: one\n", "    api-token: one\n    client-cert-file: CERT\n    client-key-file: KEY\n");
        GatewayConfig running = parse(https.replace("CERT", first.certFile().toString()).replace("KEY", first.keyFile().toString()));
        GatewayConfig loaded = parse(https.replace("CERT", second.certFile().toString()).replace("KEY", second.keyFile().toString()));

        ConfigDiff diff = ConfigDiff.between(running, loaded);

        assertThat(diff.restartNeeded()).containsExactly("backends[a].client-cert-file");
        assertThat(diff.effective().backend("a").orElseThrow().clientCert()).isEqualTo(running.backend("a").orElseThrow().clientCert());
    }

    @Test
    void aChangedUrlAndSyncIntervalApplyLiveWhileAChangedRepositoryAndTokenWaitForARestart() throws Exception {
        GatewayConfig running = parse(BASE);
        GatewayConfig loaded = parse(BASE.replace("10.0.0.2", "10.0.0.3").replace("60s", "30s")
                .replace("org/dashboards", "org/other").replace("api-token: one", "api-token: two"));

        ConfigDiff diff = ConfigDiff.between(running, loaded);

        assertThat(diff.changed()).containsExactly("b");
        assertThat(diff.sections()).containsExactly("sync.interval");
        // sync.folder too: it defaults to the repository's name.
        assertThat(diff.restartNeeded()).containsExactly("backends[a].api-token", "sync.repository", "sync.folder");
        assertThat(diff.describeApplied()).isEqualTo("backends ~b, sync.interval");
        GatewayConfig effective = diff.effective();
        assertThat(effective.backend("b").orElseThrow().url()).hasToString("http://10.0.0.3:3000");
        assertThat(effective.backend("a").orElseThrow().apiToken()).isEqualTo(running.backend("a").orElseThrow().apiToken());
        assertThat(effective.sync().orElseThrow().interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(effective.sync().orElseThrow().repository()).isEqualTo(running.sync().orElseThrow().repository());
        // Against what runs now, the same file still names what waits for a restart and nothing else.
        ConfigDiff again = ConfigDiff.between(effective, loaded);
        assertThat(again.restartNeeded()).isEqualTo(diff.restartNeeded());
        assertThat(again.describeApplied()).isEqualTo("nothing");
    }

    @Test
    void aChangedTransportWaitsForARestart() throws Exception {
        GatewayConfig running = parse(BASE);
        GatewayConfig loaded = parse(BASE + "proxy:\n  transport: nio\n");

        ConfigDiff diff = ConfigDiff.between(running, loaded);

        assertThat(diff.restartNeeded()).containsExactly("proxy.transport");
        assertThat(diff.effective().proxy().transport()).isEqualTo(ProxyConfig.IoTransport.AUTO);
    }

    @Test
    void aChangedSpanExportWaitsForARestart() throws Exception {
        GatewayConfig running = parse(BASE);
        GatewayConfig loaded = parse(BASE + "tracing:\n  otlp-endpoint: http://127.0.0.1:4318/v1/traces\n  sample: 0.1\n");

        ConfigDiff diff = ConfigDiff.between(running, loaded);

        assertThat(diff.restartNeeded()).containsExactly("tracing.otlp-endpoint", "tracing.sample");
        assertThat(diff.effective().tracing()).isEqualTo(TracingConfig.OFF);
        assertThat(ConfigDiff.between(diff.effective(), loaded).restartNeeded()).isEqualTo(diff.restartNeeded());
    }

    @Test
    void withTheSyncOnABackendAddedIsRoutedButTheSyncWaitsForARestart() throws Exception {
        GatewayConfig loaded = parse(BASE.replace("\nsync:", "\n  - name: c\n    url: http://10.0.0.4:3000\nsync:"));

        ConfigDiff diff = ConfigDiff.between(parse(BASE), loaded);

        assertThat(diff.added()).containsExactly("c");
        assertThat(diff.effective().backends()).extracting(BackendConfig::name).containsExactly("a", "b", "c");
        assertThat(diff.restartNeeded()).containsExactly("backends (the sync writes to the backends it started with)");
    }
}
