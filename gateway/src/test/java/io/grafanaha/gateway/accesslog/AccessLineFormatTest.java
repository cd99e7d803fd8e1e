package io.grafanaha.gateway.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class AccessLineFormatTest {
    private static AccessRecord record(long durationNanos, String userAgent, String referer) {
        return new AccessRecord(1_796_000_000_000L, "203.0.113.7", null, "GET", "/d/x?token=t", "HTTP/1.1", 200, 0, 10,
                durationNanos, "grafana-a", 1, null, "id-1", null, null, null, userAgent, referer, false);
    }

    @Test
    void durationsAreDecimalsAtAnyScale() throws Exception {
        JsonNode fast = new ObjectMapper().readTree(AccessLineFormat.json(record(684_000, null, null)));
        JsonNode tunnel = new ObjectMapper().readTree(AccessLineFormat.json(record(5L * 3600 * 1_000_000_000L, null, null)));

        assertThat(AccessLineFormat.json(record(684_000, null, null))).contains("\"durationMs\":0.684");
        assertThat(fast.path("durationMs").asDouble()).isEqualTo(0.684);
        assertThat(AccessLineFormat.json(record(5L * 3600 * 1_000_000_000L, null, null))).contains("\"durationMs\":18000000.000");
        assertThat(tunnel.path("durationMs").asDouble()).isEqualTo(18_000_000.0);
        assertThat(AccessLineFormat.combined(record(684_000, null, null))).contains(" rt=0.000684 ");
    }

    @Test
    void clientChosenTextCannotForgeFieldsOrLines() throws Exception {
        String agent = "evil\"agent\n{\"status\":500}";
        JsonNode line = new ObjectMapper().readTree(AccessLineFormat.json(record(1_000_000, agent, "http://x/d?auth=s3cret")));

        assertThat(line.path("userAgent").asText()).isEqualTo(agent);
        assertThat(line.path("status").asInt()).isEqualTo(200);
        assertThat(line.path("referer").asText()).isEqualTo("http://x/d?auth=***");
        assertThat(line.path("path").asText()).isEqualTo("/d/x?token=***");
        String combined = AccessLineFormat.combined(record(1_000_000, agent, null));
        assertThat(combined).doesNotContain("\n").contains("\"evil\\x22agent\\x0a{\\x22status\\x22:500}\"");
    }

    @Test
    void theTimeIsTheInstantsTextWhateverTheMillisecondAndAcrossSeconds() throws Exception {
        AccessLineFormat json = new AccessLineFormat(io.grafanaha.gateway.config.AccessLogConfig.Format.JSON);
        AccessLineFormat combined = new AccessLineFormat(io.grafanaha.gateway.config.AccessLogConfig.Format.COMBINED);
        for (long millis : new long[] {1_796_000_000_000L, 1_796_000_000_007L, 1_796_000_000_999L, 1_796_000_001_050L, 1_796_000_000_000L}) {
            AccessRecord r = new AccessRecord(millis, "203.0.113.7", null, "GET", "/", "HTTP/1.1", 200, 0, 10, 1_000,
                    "grafana-a", 1, null, "id-1", null, null, null, null, null, false);
            StringBuilder j = new StringBuilder();
            json.append(r, j);
            StringBuilder c = new StringBuilder();
            combined.append(r, c);

            assertThat(new ObjectMapper().readTree(j.toString()).path("time").asText())
                    .isEqualTo(java.time.Instant.ofEpochMilli(millis).toString());
            assertThat(c.toString()).contains("[" + java.time.format.DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", java.util.Locale.ROOT)
                    .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.ofEpochMilli(millis)) + "]");
        }
    }
}
