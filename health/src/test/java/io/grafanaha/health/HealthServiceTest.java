package io.grafanaha.health;

import static io.grafanaha.health.ScriptedProbe.backend;
import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.health.check.CheckPolicy;
import io.grafanaha.health.check.FailureKind;
import io.grafanaha.health.check.HealthState;
import io.grafanaha.health.routing.FailbackGate;
import io.grafanaha.health.routing.FailbackPolicy;
import io.grafanaha.health.routing.Pick;
import io.grafanaha.health.routing.RoutingEvent;
import io.grafanaha.health.routing.RoutingPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HealthServiceTest {

    private final ManualClock clock = new ManualClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final ScriptedProbe probe = new ScriptedProbe();
    private final List<RoutingEvent> events = new ArrayList<>();
    private final HealthService service = new HealthService(
            List.of(backend("a", Role.PRIMARY), backend("b", Role.REPLICA)),
            CheckPolicy.of("/api/health", Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3).withJitter(0),
            new RoutingPolicy(RoutingMode.FAILOVER, new FailbackPolicy(FailbackPolicy.Mode.AUTO, Duration.ofSeconds(10)), true),
            FailbackGate.ALWAYS, probe, scheduler, clock, () -> 0.5, 200);

    {
        service.addListener(events::add);
    }

    private String pick() {
        return service.pick(Set.of(), null).map(Pick::backend).orElse(null);
    }

    @Test
    void unknownBackendsAreReportedDownAndGetNoTrafficUntilTheirFirstPass() {
        service.start();
        StatusSnapshot s = service.status();
        assertThat(s.backends()).allSatisfy(b -> {
            assertThat(b.state()).isEqualTo("down");
            assertThat(b.checkState()).isEqualTo(HealthState.UNKNOWN);
            assertThat(b.routable()).isFalse();
        });
        assertThat(service.ready()).isFalse();

        probe.pass("a").pass("b");
        scheduler.advance(Duration.ZERO);
        assertThat(pick()).isEqualTo("a");
        assertThat(service.ready()).isTrue();
        BackendStatus a = service.status().backends().get(0);
        assertThat(a.state()).isEqualTo("up");
        assertThat(a.active()).isTrue();
        assertThat(a.url()).hasToString("http://a:3000");
        assertThat(a.health().lastCheck()).isEqualTo(clock.instant());
        assertThat(a.health().latencyMs()).isEqualTo(3);
    }

    @Test
    void failingChecksFailOverAndRecoveryFailsBackAfterRiseAndHold() {
        probe.pass("a").pass("b");
        service.start();
        scheduler.advance(Duration.ZERO);

        probe.fail("a");
        scheduler.advance(Duration.ofSeconds(3)); // 2 s, then fast 500 ms twice
        assertThat(pick()).isEqualTo("b");
        assertThat(service.status().active()).containsExactly("b");
        assertThat(service.status().backends().get(0).health().lastError()).contains("503");

        probe.pass("a");
        scheduler.advance(Duration.ofSeconds(3)); // down interval 2 s, then rise 2 at the fast interval: up at 5.5 s
        assertThat(pick()).isEqualTo("b");
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(pick()).isEqualTo("a");
        assertThat(events).extracting(RoutingEvent::type)
                .containsSubsequence("activated", "down", "failover", "up", "failback");
    }

    @Test
    void proxyConnectionFailuresCheckAtOnceAndEjectTheBackend() {
        probe.pass("a").pass("b");
        service.start();
        scheduler.advance(Duration.ofSeconds(1));
        long checks = probe.callsTo("a");

        probe.fail("a");
        service.onProxyFailure("a", FailureKind.CONNECT_REFUSED);
        assertThat(probe.callsTo("a")).isEqualTo(checks + 1);
        for (int i = 0; i < 4; i++) {
            service.onProxyFailure("a", FailureKind.RESET);
        }
        assertThat(pick()).isEqualTo("b");
        assertThat(service.status().backends().get(0).health().lastError()).isNotNull();
    }

    @Test
    void manyServerErrorsOnOneUriDoNotMoveTraffic() {
        probe.pass("a").pass("b");
        service.start();
        scheduler.advance(Duration.ZERO);
        for (int i = 0; i < 100; i++) {
            service.onProxyFailure("a", FailureKind.SERVER_ERROR);
        }
        assertThat(pick()).isEqualTo("a");
    }

    @Test
    void theProxyGetsTheWholeRouteWithAnAffinityToSetOnlyInLoadBalanceMode() {
        probe.pass("a").pass("b");
        service.start();
        HealthService balanced = new HealthService(
                List.of(backend("a", Role.PRIMARY), backend("b", Role.REPLICA)),
                CheckPolicy.of("/api/health", Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3).withJitter(0),
                new RoutingPolicy(RoutingMode.LOAD_BALANCE, new FailbackPolicy(FailbackPolicy.Mode.AUTO, Duration.ZERO), true),
                FailbackGate.ALWAYS, probe, scheduler, clock, () -> 0.5, 200);
        balanced.start();
        scheduler.advance(Duration.ZERO);

        assertThat(service.pick(new RouteRequest(Optional.of("b"), Set.of()))).contains(Route.to(backend("a", Role.PRIMARY)));
        assertThat(balanced.pick(new RouteRequest(Optional.of("b"), Set.of()))).contains(Route.to(backend("b", Role.REPLICA)));
        assertThat(balanced.pick(new RouteRequest(Optional.of("b"), Set.of("b"))))
                .contains(new Route(backend("a", Role.PRIMARY), true));
        balanced.close();
    }

    @Test
    void adminActionsGoThroughToTheRoutingTable() {
        probe.pass("a").pass("b");
        service.start();
        scheduler.advance(Duration.ZERO);
        service.failover("b");
        assertThat(pick()).isEqualTo("b");
        assertThat(service.status().forcedTarget()).isEqualTo("b");
        service.failback();
        assertThat(pick()).isEqualTo("a");
        service.drain("a");
        assertThat(service.status().backends().get(0).state()).isEqualTo("draining");
        assertThat(pick()).isEqualTo("b");
        service.enable("a");
        assertThat(service.status().events()).extracting(RoutingEvent::type)
                .contains("failover", "failback", "drained", "enabled");
        service.close();
        assertThat(scheduler.pendingDelays()).isEmpty();
    }
}
