package io.grafanaha.health.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BackendHealthTest {

    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    private static final CheckResult PASS = CheckResult.pass(200, Duration.ofMillis(2));
    private static final CheckResult FAIL = CheckResult.fail(503, Duration.ofMillis(2), "HTTP 503");

    private final CheckPolicy policy = new CheckPolicy("/api/health", Duration.ofSeconds(2), Duration.ofSeconds(1),
            2, 3, Duration.ofMillis(500), Duration.ofSeconds(4), 0, 5);
    private final BackendHealth health = new BackendHealth(policy);

    @Test
    void startsUnknownAndGoesUpOnItsFirstPass() {
        assertThat(health.state()).isEqualTo(HealthState.UNKNOWN);
        assertThat(health.record(PASS, T)).hasValueSatisfying(t -> {
            assertThat(t.from()).isEqualTo(HealthState.UNKNOWN);
            assertThat(t.to()).isEqualTo(HealthState.UP);
        });
    }

    @Test
    void unknownGoesDownOnItsFirstFailure() {
        assertThat(health.record(FAIL, T)).hasValueSatisfying(t -> assertThat(t.to()).isEqualTo(HealthState.DOWN));
    }

    @Test
    void upGoesDownOnlyAfterFallConsecutiveFailures() {
        health.record(PASS, T);
        assertThat(health.record(FAIL, T)).isEmpty();
        assertThat(health.record(FAIL, T)).isEmpty();
        assertThat(health.record(PASS, T)).isEmpty(); // breaks the streak
        assertThat(health.record(FAIL, T)).isEmpty();
        assertThat(health.record(FAIL, T)).isEmpty();
        assertThat(health.record(FAIL, T)).hasValueSatisfying(t -> {
            assertThat(t.to()).isEqualTo(HealthState.DOWN);
            assertThat(t.reason()).contains("3 consecutive checks failed").contains("HTTP 503");
        });
    }

    @Test
    void downComesBackOnlyAfterRiseConsecutivePasses() {
        health.record(FAIL, T);
        assertThat(health.record(PASS, T)).isEmpty();
        assertThat(health.record(FAIL, T)).isEmpty();
        assertThat(health.record(PASS, T)).isEmpty();
        assertThat(health.record(PASS, T)).hasValueSatisfying(t -> assertThat(t.to()).isEqualTo(HealthState.UP));
    }

    @Test
    void aMisconfigured4xxCountsAsAFailure() {
        health.record(PASS, T);
        CheckResult notFound = CheckResult.misconfigured(404, Duration.ofMillis(1), "HTTP 404");
        health.record(notFound, T);
        health.record(notFound, T);
        assertThat(health.record(notFound, T)).hasValueSatisfying(t -> assertThat(t.to()).isEqualTo(HealthState.DOWN));
        assertThat(health.report().lastError()).isEqualTo("HTTP 404");
    }

    @Test
    void consecutiveConnectionFailuresSeenByTheProxyEjectAnUpBackend() {
        health.record(PASS, T);
        for (int i = 0; i < 4; i++) {
            assertThat(health.recordProxyFailure(FailureKind.RESET)).isEmpty();
        }
        assertThat(health.recordProxyFailure(FailureKind.CONNECT_REFUSED))
                .hasValueSatisfying(t -> assertThat(t.reason()).contains("5 consecutive proxy failures"));
    }

    @Test
    void aProxySuccessEndsTheFailureStreak() {
        health.record(PASS, T);
        for (int i = 0; i < 4; i++) {
            health.recordProxyFailure(FailureKind.RESPONSE_TIMEOUT);
        }
        health.recordProxySuccess();
        for (int i = 0; i < 4; i++) {
            assertThat(health.recordProxyFailure(FailureKind.RESET)).isEmpty();
        }
        assertThat(health.state()).isEqualTo(HealthState.UP);
    }

    @Test
    void oneUriAnswering500NeverEjectsAHealthyBackend() {
        health.record(PASS, T);
        for (int i = 0; i < 1000; i++) {
            assertThat(health.recordProxyFailure(FailureKind.SERVER_ERROR)).isEmpty();
        }
        assertThat(health.state()).isEqualTo(HealthState.UP);
        assertThat(health.report().consecutiveProxyFailures()).isZero();
    }

    @Test
    void gatewayStatusesFromGrafanaItselfNeverEject() {
        // Grafana answers 502/504 on its own when one data source is down
        health.record(PASS, T);
        for (int i = 0; i < 100; i++) {
            assertThat(health.recordProxyFailure(FailureKind.GATEWAY_STATUS)).isEmpty();
        }
        assertThat(health.state()).isEqualTo(HealthState.UP);
    }

    @Test
    void proxyFailuresSeenWhileDownDoNotCarryOverOnceItIsBack() {
        health.record(FAIL, T);
        for (int i = 0; i < 10; i++) {
            health.recordProxyFailure(FailureKind.RESET); // last-resort traffic
        }
        health.record(PASS, T);
        health.record(PASS, T);
        assertThat(health.state()).isEqualTo(HealthState.UP);
        assertThat(health.recordProxyFailure(FailureKind.RESET)).isEmpty();
    }

    @Test
    void aPassivelyEjectedBackendNeedsRisePassesToReturn() {
        health.record(PASS, T);
        health.record(PASS, T);
        for (int i = 0; i < 5; i++) {
            health.recordProxyFailure(FailureKind.RESET);
        }
        assertThat(health.state()).isEqualTo(HealthState.DOWN);
        assertThat(health.record(PASS, T)).isEmpty();
        assertThat(health.record(PASS, T)).isPresent();
    }

    @Test
    void checksComeFasterWhileTheStateIsInDoubt() {
        assertThat(health.nextInterval()).isEqualTo(Duration.ofMillis(500)); // unknown
        health.record(PASS, T);
        assertThat(health.nextInterval()).isEqualTo(Duration.ofSeconds(2)); // steady up
        health.record(FAIL, T);
        assertThat(health.nextInterval()).isEqualTo(Duration.ofMillis(500)); // up, going down?
        health.record(FAIL, T);
        health.record(FAIL, T);
        assertThat(health.nextInterval()).isEqualTo(Duration.ofSeconds(4)); // steady down
        health.record(PASS, T);
        assertThat(health.nextInterval()).isEqualTo(Duration.ofMillis(500)); // down, coming up?
    }

    @Test
    void reportsLastCheckLatencyAndError() {
        health.record(FAIL, T);
        HealthReport r = health.report();
        assertThat(r.lastCheck()).isEqualTo(T);
        assertThat(r.latencyMs()).isEqualTo(2);
        assertThat(r.consecutiveFailures()).isEqualTo(1);
        assertThat(r.lastError()).isEqualTo("HTTP 503");
        health.record(PASS, T.plusSeconds(1));
        assertThat(health.report().lastError()).isNull();
        assertThat(health.report().consecutiveFailures()).isZero();
    }
}
