package io.grafanaha.health.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.health.check.CheckResult.Verdict;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HttpProbeClassifyTest {

    private static Verdict verdict(int status, String body) {
        return HttpProbe.classify(status, body, Duration.ZERO).verdict();
    }

    @Test
    void twoHundredWithDatabaseOkPasses() {
        assertThat(verdict(200, "{\"commit\":\"abc\",\"database\":\"ok\",\"version\":\"12.0.0\"}")).isEqualTo(Verdict.PASS);
        assertThat(verdict(200, "{\n  \"database\" : \"ok\"\n}")).isEqualTo(Verdict.PASS);
    }

    @Test
    void twoHundredWithoutDatabaseOkFails() {
        assertThat(verdict(200, "{\"database\":\"failing\"}")).isEqualTo(Verdict.FAIL);
        assertThat(verdict(200, "<html>ok</html>")).isEqualTo(Verdict.FAIL);
        assertThat(verdict(200, "{\"database\":\"okay\"}")).isEqualTo(Verdict.FAIL);
        assertThat(verdict(200, "")).isEqualTo(Verdict.FAIL);
    }

    @Test
    void fiveHundredsFail() {
        CheckResult r = HttpProbe.classify(503, "{\"database\":\"failing\"}", Duration.ZERO);
        assertThat(r.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(r.detail()).contains("503").contains("failing");
        assertThat(verdict(500, "")).isEqualTo(Verdict.FAIL);
        assertThat(verdict(302, "")).isEqualTo(Verdict.FAIL);
    }

    @Test
    void fourHundredsAreAMisconfiguration() {
        CheckResult r = HttpProbe.classify(404, "not found", Duration.ZERO);
        assertThat(r.verdict()).isEqualTo(Verdict.MISCONFIGURED);
        assertThat(r.passed()).isFalse();
        assertThat(r.detail()).contains("misconfiguration");
        assertThat(verdict(401, "")).isEqualTo(Verdict.MISCONFIGURED);
    }

    @Test
    void aPassingAnswerNamesTheGrafanaBuild() {
        CheckResult r = HttpProbe.classify(200,
                "{\n  \"commit\": \"1a2b3c4d5e6f7a8b\",\n  \"database\": \"ok\",\n  \"version\": \"12.1.0\"\n}", Duration.ZERO);

        assertThat(r.build()).isEqualTo(new GrafanaBuild("12.1.0", "1a2b3c4d5e6f7a8b"));
        assertThat(r.build().token()).isEqualTo("12.1.0_1a2b3c4d5e6f");
    }

    @Test
    void anAnswerWithoutAVersionNamesNoBuild() {
        assertThat(HttpProbe.classify(200, "{\"database\":\"ok\"}", Duration.ZERO).build()).isNull();
        assertThat(GrafanaBuild.parse("{\"version\":\"12.0.0-security+\\\"x\"}")).isEmpty();
        assertThat(new GrafanaBuild("12.0.0+security-01", "").token()).isEqualTo("12.0.0-security-01");
    }
}
