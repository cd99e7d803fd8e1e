package io.grafanaha.health.routing;

import static io.grafanaha.health.ScriptedProbe.backend;

import io.grafanaha.health.ManualClock;
import io.grafanaha.health.Role;
import io.grafanaha.health.RoutingMode;
import io.grafanaha.health.check.HealthState;
import io.grafanaha.health.check.Transition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Backends a (primary), b and c (replicas), a manual clock, a switchable gate and recorded events. */
final class RoutingFixture {

    final ManualClock clock = new ManualClock();
    final List<RoutingEvent> seen = new ArrayList<>();
    boolean gateOpen = true;
    final RoutingTable table;

    RoutingFixture(RoutingMode mode, FailbackPolicy.Mode failback, Duration hold, boolean lastResort) {
        this(mode, failback, hold, lastResort, EventLog.DEFAULT_CAPACITY);
    }

    RoutingFixture(RoutingMode mode, FailbackPolicy.Mode failback, Duration hold, boolean lastResort, int capacity) {
        table = new RoutingTable(
                List.of(backend("b", Role.REPLICA), backend("a", Role.PRIMARY), backend("c", Role.REPLICA)),
                new RoutingPolicy(mode, new FailbackPolicy(failback, hold), lastResort),
                backend -> gateOpen, clock, capacity);
        table.addListener(seen::add);
    }

    static RoutingFixture failover(FailbackPolicy.Mode failback, Duration hold) {
        return new RoutingFixture(RoutingMode.FAILOVER, failback, hold, true);
    }

    static RoutingFixture loadBalance() {
        return new RoutingFixture(RoutingMode.LOAD_BALANCE, FailbackPolicy.Mode.AUTO, Duration.ZERO, true);
    }

    void up(String... names) {
        for (String n : names) {
            table.onHealthChange(n, new Transition(HealthState.DOWN, HealthState.UP, "checks passed"));
        }
    }

    void down(String... names) {
        for (String n : names) {
            table.onHealthChange(n, new Transition(HealthState.UP, HealthState.DOWN, "3 consecutive checks failed"));
        }
    }

    String pick() {
        return table.pick().map(Pick::backend).orElse(null);
    }

    String pickExcluding(String... tried) {
        return table.pick(Set.of(tried)).map(Pick::backend).orElse(null);
    }

    <T extends RoutingEvent> List<T> events(Class<T> type) {
        return seen.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
