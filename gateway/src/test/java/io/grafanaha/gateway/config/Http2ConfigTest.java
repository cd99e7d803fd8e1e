package io.grafanaha.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Http2ConfigTest {
    private static final String MINIMAL = """
            listen: 127.0.0.1:8080
            admin:
              listen: 127.0.0.1:9090
            mode: failover
            backends:
              - name: a
                url: http://127.0.0.1:3000
                role: primary
            """;

    private static List<String> problems(String yaml) {
        try {
            new ConfigLoader(Map.of()).parse(yaml, "test.yaml");
            return List.of();
        } catch (ConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
    }

    @Test
    void withoutKeysHttp2IsOnWithTheDefaultLimitsAndH2cOff() throws Exception {
        Http2Config http2 = new ConfigLoader(Map.of()).parse(MINIMAL, "test.yaml").proxy().http2();

        assertThat(http2).isEqualTo(Http2Config.DEFAULT);
        assertThat(http2.enabled()).isTrue();
        assertThat(http2.h2c()).isFalse();
        assertThat(http2.maxConcurrentStreams()).isEqualTo(128);
    }

    @Test
    void everyLimitCanBeSet() throws Exception {
        String yaml = MINIMAL + """
                proxy:
                  h2c: true
                  http2:
                    enabled: false
                    max-concurrent-streams: 64
                    max-header-list-size: 32768
                    max-resets: 100
                    reset-window: 10s
                    max-queued-control-frames: 500
                """;

        Http2Config http2 = new ConfigLoader(Map.of()).parse(yaml, "test.yaml").proxy().http2();

        assertThat(http2).isEqualTo(new Http2Config(false, true, 64, 32768, 100, Duration.ofSeconds(10), 500));
    }

    @Test
    void checkNamesTheKeyOfAnUnusableLimit() {
        String yaml = MINIMAL + """
                proxy:
                  http2:
                    max-concurrent-streams: 0
                    reset-window: 500ms
                    max-streams: 5
                """;

        assertThat(problems(yaml)).anyMatch(p -> p.startsWith("proxy.http2.max-concurrent-streams"))
                .anyMatch(p -> p.startsWith("proxy.http2.reset-window"))
                .anyMatch(p -> p.startsWith("proxy.http2.max-streams"));
    }
}
