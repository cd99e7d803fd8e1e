package io.grafanaha.health;

import static io.grafanaha.health.ScriptedProbe.backend;
import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.health.check.CheckPolicy;
import io.grafanaha.health.routing.FailbackGate;
import io.grafanaha.health.routing.FailbackPolicy;
import io.grafanaha.health.routing.Pick;
import io.grafanaha.health.routing.RoutingEvent;
import io.grafanaha.health.routing.RoutingPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A configuration reload applied to a running health service: what carries over, what changes. */
class HealthReconfigureTest {

    private static final CheckPolicy CHECKS =
            CheckPolicy.of("/api/health", Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3).withJitter(0);
    private static final RoutingPolicy FAILOVER =
            new RoutingPolicy(RoutingMode.FAILOVER, new FailbackPolicy(FailbackPolicy.Mode.AUTO, Duration.ofSeconds(10)), true);

    private final ManualClock clock = new ManualClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final ScriptedProbe probe = new ScriptedProbe();
    private final List<RoutingEvent> events = new ArrayList<>();
    private final HealthService service = new HealthService(
            List.of(backend("a", Role.PRIMARY), backend("b", Role.REPLICA)), CHECKS, FAILOVER,
            FailbackGate.ALWAYS, probe, scheduler, clock, () -> 0.5, 200);

    {
        service.addListener(events::add);
        probe.pass("a").pass("b").pass("c");
        service.start();
        scheduler.advance(Duration.ZERO);
    }

    private String pick(String... tried) {
        return service.pick(Set.of(tried), null).map(Pick::backend).orElse(null);
    }

    @Test
    void anAddedBackendIsCheckedAtOnceAndServesWhenItPassesWhileTheServingOneKeepsServing() {
        assertThat(pick()).isEqualTo("a");
        service.reconfigure(List.of(backend("a", Role.PRIMARY), backend("b", Role.REPLICA), backend("c", Role.REPLICA)),
                CHECKS, FAILOVER, "reload");
        assertThat(pick()).isEqualTo("a");
        scheduler.advance(Duration.ZERO);
        assertThat(pick("a", "b")).isEqualTo("c");
        assertThat(events).filteredOn(e -> e instanceof RoutingEvent.Added).extracting(RoutingEvent::reason)
                .containsExactly("reload");
        assertThat(events).noneMatch(e -> e instanceof RoutingEvent.Failover);
    }

    @Test
    void removingTheServingBackendFailsOverAndItsLateOutcomesAndChecksAreIgnored() {
        assertThat(pick()).isEqualTo("a");
        service.reconfigure(List.of(backend("b", Role.PRIMARY)), CHECKS, FAILOVER, "reload removed a");
        assertThat(pick()).isEqualTo("b");
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(RoutingEvent.Removed.class,
                r -> assertThat(r.backend()).isEqualTo("a")));
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(RoutingEvent.Failover.class,
                f -> assertThat(f.from() + ">" + f.to()).isEqualTo("a>b")));
        // An exchange that was in flight on "a" reports its outcome after the reload: nothing breaks.
        Backend a = backend("a", Role.PRIMARY);
        service.onOutcome(a, Outcome.CONNECT_REFUSED);
        service.onOutcome(a, Outcome.SUCCESS);
        long checksOfA = probe.callsTo("a");
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(probe.callsTo("a")).isEqualTo(checksOfA);
        assertThat(service.status().backends()).extracting(BackendStatus::name).containsExactly("b");
    }

    @Test
    void aChangedUrlIsCheckedAtOnceAndAChangedModeAndRiseApplyWithoutLosingHealth() {
        Backend moved = new Backend("b", URI.create("http://c:3000"), Role.REPLICA);
        long before = probe.callsTo("c");
        RoutingPolicy balance = new RoutingPolicy(RoutingMode.LOAD_BALANCE, FAILOVER.failback(), true);
        service.reconfigure(List.of(backend("a", Role.PRIMARY), moved),
                CheckPolicy.of("/api/health", Duration.ofSeconds(2), Duration.ofSeconds(1), 5, 3).withJitter(0), balance, "reload");
        assertThat(probe.callsTo("c")).isEqualTo(before + 1);
        assertThat(service.status().mode()).isEqualTo(RoutingMode.LOAD_BALANCE);
        assertThat(service.status().active()).containsExactly("a", "b");
        assertThat(service.routable()).extracting(Backend::url).contains(URI.create("http://c:3000"));
        assertThat(events).anyMatch(e -> e instanceof RoutingEvent.Reconfigured);
    }

    @Test
    void aRemovedBackendIsNeverTheLastResortWhileItsReplacementsAreStillUnchecked() {
        assertThat(pick()).isEqualTo("a");
        probe.hold(true);
        service.reconfigure(List.of(backend("c", Role.PRIMARY)), CHECKS, FAILOVER, "reload replaced everything");
        assertThat(pick()).isNull();
        assertThat(service.status().lastResortInUse()).isFalse();
    }
}
