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
}
