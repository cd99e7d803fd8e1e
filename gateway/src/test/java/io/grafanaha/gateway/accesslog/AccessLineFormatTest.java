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
            String j = json.line(r);
            String c = combined.line(r);

            assertThat(new ObjectMapper().readTree(j).path("time").asText())
                    .isEqualTo(java.time.Instant.ofEpochMilli(millis).toString());
            assertThat(c).contains("[" + java.time.format.DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", java.util.Locale.ROOT)
                    .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.ofEpochMilli(millis)) + "]");
        }
    }

    @Test
    void everyFieldReadsBackAsWhatWasLoggedWhateverItsCharacters() throws Exception {
        String odd = "ü € 😀 \u0001 \u007f \\ \" tab\there";
        AccessRecord r = new AccessRecord(1_796_000_000_042L, "2001:db8::1", odd, "GET", "/d/" + odd + "?api_key=k&q=" + odd,
                "HTTP/2.0", 502, 12_345_678_901L, 0, 2_500, "grafana-ü", 3, "connect", odd,
                "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01", odd, "7", odd, "http://x/" + odd, true);

        JsonNode line = new ObjectMapper().readTree(AccessLineFormat.json(r));

        assertThat(line.path("client").asText()).isEqualTo("2001:db8::1");
        assertThat(line.path("user").asText()).isEqualTo(odd);
        assertThat(line.path("path").asText()).isEqualTo("/d/" + odd + "?api_key=***&q=" + odd);
        assertThat(line.path("protocol").asText()).isEqualTo("HTTP/2.0");
        assertThat(line.path("status").asInt()).isEqualTo(502);
        assertThat(line.path("bytesIn").asLong()).isEqualTo(12_345_678_901L);
        assertThat(line.path("bytesOut").asLong()).isZero();
        assertThat(line.path("durationMs").asText()).isEqualTo("0.002");
        assertThat(line.path("backend").asText()).isEqualTo("grafana-ü");
        assertThat(line.path("attempts").asInt()).isEqualTo(3);
        assertThat(line.path("retryCause").asText()).isEqualTo("connect");
        assertThat(line.path("requestId").asText()).isEqualTo(odd);
        assertThat(line.path("traceId").asText()).isEqualTo("0123456789abcdef0123456789abcdef");
        assertThat(line.path("dashboardUid").asText()).isEqualTo(odd);
        assertThat(line.path("panelId").asText()).isEqualTo("7");
        assertThat(line.path("userAgent").asText()).isEqualTo(odd);
        assertThat(line.path("referer").asText()).isEqualTo("http://x/" + odd);
        assertThat(line.path("websocket").asBoolean()).isTrue();
        String combined = AccessLineFormat.combined(r);
        assertThat(combined).startsWith("2001:db8::1 - ü € 😀 \\x01 \\x7f \\x5c \\x22 tab\\x09here [")
                .contains(" \"GET /d/ü € 😀 ").contains(" HTTP/2.0\" 502 0 \"http://x/ü")
                .contains(" rt=0.000002 backend=grafana-ü attempts=3 retry=connect in=12345678901 rid=ü")
                .contains(" trace=0123456789abcdef0123456789abcdef dash=ü").endsWith(" panel=7 ws=1");
    }

    @Test
    void aLoneSurrogateBecomesAQuestionMarkAndTheLineStaysValidUtf8() throws Exception {
        AccessRecord r = new AccessRecord(1_796_000_000_000L, "203.0.113.7", null, "GET", "/", "HTTP/1.1", 200, 0, 10,
                1_000, "grafana-a", 1, null, "id-1", null, null, null, "a\ud800b\udc00c", null, false);

        assertThat(new ObjectMapper().readTree(AccessLineFormat.json(r)).path("userAgent").asText()).isEqualTo("a?b?c");
    }

    @Test
    void aMissingValueInACombinedLineIsADashNotAnError() {
        AccessRecord r = new AccessRecord(1_796_000_000_000L, null, null, null, "/", null, 200, 0, 10, 1_000, null, 0,
                null, null, null, null, null, null, null, false);

        assertThat(AccessLineFormat.combined(r)).startsWith("- - - [").contains("] \"- / -\" 200 10 \"-\" \"-\" rt=0.000001 ")
                .endsWith(" backend=- attempts=0 retry=- in=0 rid=- trace=- dash=- panel=-");
    }
}
