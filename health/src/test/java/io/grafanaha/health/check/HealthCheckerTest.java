package io.grafanaha.health.check;

import static io.grafanaha.health.ScriptedProbe.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grafanaha.health.ManualClock;
import io.grafanaha.health.ManualScheduler;
import io.grafanaha.health.Role;
import io.grafanaha.health.ScriptedProbe;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthCheckerTest {

    private static final Duration INTERVAL = Duration.ofSeconds(2);
    private static final Duration FAST = Duration.ofMillis(500);
    private static final Duration DOWN = Duration.ofSeconds(4);

    private final ManualClock clock = new ManualClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final ScriptedProbe probe = new ScriptedProbe();
    private final List<String> changes = new ArrayList<>();
    private final HealthListener listener = (b, t) -> changes.add(b + ":" + t.to());
    private double random = 0.5; // the middle of the jitter range: no jitter

    private HealthChecker checker(double jitter) {
        CheckPolicy policy = new CheckPolicy("/api/health", INTERVAL, Duration.ofSeconds(1), 2, 3, FAST, DOWN,
                jitter, 5);
        return new HealthChecker(List.of(backend("a", Role.PRIMARY)), policy, probe, scheduler, clock,
                () -> random, listener);
    }

    @Test
    void probesTheHealthPathOfEachBackend() {
        probe.pass("a");
        checker(0).start();
        scheduler.advance(Duration.ZERO);
        assertThat(probe.calls()).containsExactly(URI.create("http://a:3000/api/health"));
        assertThat(changes).containsExactly("a:UP");
    }

    @Test
    void aBackendIsUnknownUntilItsFirstCheck() {
        HealthChecker checker = checker(0.05);
        assertThat(checker.report("a").state()).isEqualTo(HealthState.UNKNOWN);
        assertThat(checker.report("a").lastCheck()).isNull();
        checker.start();
        // the first check is spread over the first 5% of the interval
        assertThat(scheduler.pendingDelays()).containsExactly(Duration.ofMillis(50));
    }

    @Test
    void steadyUpIsCheckedEveryIntervalAFailureBringsTheNextCheckSoonerAndSteadyDownUsesDownInterval() {
        probe.pass("a");
        HealthChecker checker = checker(0);
        checker.start();
        scheduler.advance(Duration.ZERO);
        assertThat(scheduler.pendingDelays()).as("steady up").containsExactly(INTERVAL);

        probe.fail("a");
        scheduler.advance(INTERVAL);
        assertThat(checker.report("a").state()).isEqualTo(HealthState.UP);
        assertThat(scheduler.pendingDelays()).as("fastinter after a failure").containsExactly(FAST);
        scheduler.advance(FAST);
        scheduler.advance(FAST);
        assertThat(checker.report("a").state()).isEqualTo(HealthState.DOWN);
        assertThat(scheduler.pendingDelays()).as("downinter when steadily down").containsExactly(DOWN);
        assertThat(changes).containsExactly("a:UP", "a:DOWN");
    }

    @Test
    void jitterSpreadsEveryWait() {
        probe.pass("a");
        random = 0.0;
        checker(0.1).start();
        scheduler.advance(Duration.ZERO);
        assertThat(scheduler.pendingDelays()).containsExactly(Duration.ofMillis(1800)); // 2 s - 10%
        random = 0.999999;
        scheduler.advance(Duration.ofMillis(1800));
        assertThat(scheduler.pendingDelays().get(0)).isBetween(Duration.ofMillis(2199), Duration.ofMillis(2200));
    }

    @Test
    void aConnectionFailureSeenByTheProxyTriggersAnImmediateCheck() {
        probe.pass("a");
        HealthChecker checker = checker(0);
        checker.start();
        scheduler.advance(Duration.ofSeconds(1));
        long before = probe.callsTo("a");

        probe.fail("a");
        checker.onProxyFailure("a", FailureKind.CONNECT_REFUSED);
        assertThat(probe.callsTo("a")).isEqualTo(before + 1);
        assertThat(scheduler.pendingDelays()).as("then fastinter").containsExactly(FAST);

        // a burst of failures costs one probe, not one per request
        checker.onProxyFailure("a", FailureKind.RESET);
        assertThat(probe.callsTo("a")).isEqualTo(before + 1);
    }

    @Test
    void aGatewayStatusTriggersACheckThatDecides() {
        probe.pass("a");
        HealthChecker checker = checker(0);
        checker.start();
        scheduler.advance(Duration.ofSeconds(1));
        long before = probe.callsTo("a");
        checker.onProxyFailure("a", FailureKind.GATEWAY_STATUS);
        assertThat(probe.callsTo("a")).isEqualTo(before + 1);
        assertThat(checker.report("a").state()).isEqualTo(HealthState.UP);
    }

    @Test
    void startingTwiceSchedulesOnce() {
        HealthChecker checker = checker(0);
        checker.start();
        checker.start();
        assertThat(scheduler.pendingDelays()).hasSize(1);
    }

    @Test
    void anAnswerThroughTheProxyEndsTheFailureStreakSoOnlyConsecutiveFailuresEject() {
        probe.pass("a");
        HealthChecker checker = checker(0);
        checker.start();
        scheduler.advance(Duration.ZERO);
        probe.hold(true); // the checks the failures trigger stay in flight: only the proxy's outcomes count
        checker.onProxySuccessIfKnown("a"); // no streak yet: nothing to end

        for (int i = 0; i < 4; i++) {
            checker.onProxyFailure("a", FailureKind.CONNECT_REFUSED);
        }
        checker.onProxySuccessIfKnown("a");
        for (int i = 0; i < 4; i++) {
            checker.onProxyFailure("a", FailureKind.RESET);
        }
        assertThat(checker.report("a").state()).as("two streaks of 4, passive fall 5").isEqualTo(HealthState.UP);
        assertThat(checker.report("a").consecutiveProxyFailures()).isEqualTo(4);

        checker.onProxyFailure("a", FailureKind.RESET);
        assertThat(checker.report("a").state()).as("the fifth in a row").isEqualTo(HealthState.DOWN);
    }

    @Test
    void applicationErrorsDoNotTriggerChecks() {
        probe.pass("a");
        HealthChecker checker = checker(0);
        checker.start();
        scheduler.advance(Duration.ofSeconds(1));
        long before = probe.callsTo("a");
        for (int i = 0; i < 20; i++) {
            checker.onProxyFailure("a", FailureKind.SERVER_ERROR);
        }
        assertThat(probe.callsTo("a")).isEqualTo(before);
        assertThat(checker.report("a").state()).isEqualTo(HealthState.UP);
    }

    @Test
    void onlyOneCheckIsInFlightPerBackend() {
        HealthChecker checker = checker(0);
        probe.hold(true);
        checker.start();
        scheduler.advance(Duration.ZERO);
        assertThat(probe.callsTo("a")).isEqualTo(1);
        clock.advance(Duration.ofSeconds(5));
        checker.onProxyFailure("a", FailureKind.RESET);
        assertThat(probe.callsTo("a")).isEqualTo(1);
        assertThat(scheduler.pendingDelays()).isEmpty();

        probe.complete("a", CheckResult.pass(200, Duration.ofMillis(1)));
        assertThat(checker.report("a").state()).isEqualTo(HealthState.UP);
        assertThat(scheduler.pendingDelays()).hasSize(1);
    }

    @Test
    void aFourXxAnswerTakesTheBackendDown() {
        probe.answer("a", CheckResult.misconfigured(404, Duration.ofMillis(1), "HTTP 404"));
        HealthChecker checker = checker(0);
        checker.start();
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(checker.report("a").state()).isEqualTo(HealthState.DOWN);
        assertThat(checker.report("a").lastError()).isEqualTo("HTTP 404");
    }

    @Test
    void closeStopsScheduling() {
        probe.pass("a");
        HealthChecker checker = checker(0);
        checker.start();
        scheduler.advance(Duration.ZERO);
        checker.close();
        assertThat(scheduler.pendingDelays()).isEmpty();
        checker.onProxyFailure("a", FailureKind.RESET);
        assertThat(probe.callsTo("a")).isEqualTo(1);
    }

    @Test
    void anUnknownBackendNameIsRejectedWithItsName() {
        assertThatThrownBy(() -> checker(0).onProxySuccess("zz")).hasMessageContaining("'zz'");
    }
}
