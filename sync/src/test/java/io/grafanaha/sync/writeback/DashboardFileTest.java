package io.grafanaha.sync.writeback;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.desired.SourceFormat;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DashboardFileTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String render(String existing, SourceFormat format, String saved) throws Exception {
        byte[] out = DashboardFile.render(Optional.of(existing.getBytes(StandardCharsets.UTF_8)), format, "cpu",
                (ObjectNode) JSON.readTree(saved));
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void mergingKeepsTheFileKeyOrderAndNumberFormAndAppendsNewKeys() throws Exception {
        String file = "{\n    \"title\": \"CPU\",\n    \"uid\": \"cpu\",\n    \"max\": 1.0,\n    \"gone\": true\n}";
        String out = render(file, SourceFormat.classic(SourceFormat.Encoding.JSON),
                "{\"id\":3,\"version\":9,\"uid\":\"cpu\",\"added\":[1],\"max\":1,\"title\":\"CPU 2\"}");

        assertThat(out).isEqualTo("{\n    \"title\": \"CPU 2\",\n    \"uid\": \"cpu\",\n    \"max\": 1.0,\n"
                + "    \"added\": [\n        1\n    ]\n}");
    }

    @Test
    void aResourceKeepsItsEnvelopeAndTheSpecHasNoUidUnlessItHadOne() throws Exception {
        String file = "{\n  \"apiVersion\": \"dashboard.grafana.app/v1beta1\",\n  \"kind\": \"Dashboard\",\n"
                + "  \"metadata\": {\n    \"name\": \"cpu\"\n  },\n  \"spec\": {\n    \"title\": \"CPU\"\n  }\n}\n";
        String out = render(file, SourceFormat.resource(SourceFormat.Encoding.JSON, "dashboard.grafana.app/v1beta1"),
                "{\"id\":3,\"version\":9,\"uid\":\"cpu\",\"title\":\"CPU 2\"}");

        assertThat(out).isEqualTo(file.replace("\"CPU\"", "\"CPU 2\""));
    }

    @Test
    void slugsAreLowerCaseAndHyphenated() {
        assertThat(DashboardFile.slug("  Disk I/O & Latency (p99) ", "x")).isEqualTo("disk-i-o-latency-p99");
        assertThat(DashboardFile.slug("???", "uid-1")).isEqualTo("uid-1");
    }
}
