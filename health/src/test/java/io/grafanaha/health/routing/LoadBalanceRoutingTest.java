package io.grafanaha.health.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grafanaha.health.RoutingMode;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoadBalanceRoutingTest {

    @Test
    void roundRobinSpreadsEvenlyOverRoutableBackends() {
        RoutingFixture f = RoutingFixture.loadBalance();
        f.up("a", "b", "c");
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            assertThat(f.table.ready()).as("readiness does not consume a turn").isTrue();
            counts.merge(f.pick(), 1, Integer::sum);
        }
        assertThat(counts).containsOnly(Map.entry("a", 100), Map.entry("b", 100), Map.entry("c", 100));
        assertThat(f.table.snapshot().active()).containsExactly("b", "a", "c");
    }

    @Test
    void downAndDrainedBackendsLeaveTheRotation() {
        RoutingFixture f = RoutingFixture.loadBalance();
        f.up("a", "b", "c");
        f.down("b");
        f.table.drain("c");
        for (int i = 0; i < 10; i++) {
            assertThat(f.pick()).isEqualTo("a");
        }
        f.table.enable("c");
        assertThat(Set.of(f.pick(), f.pick())).containsExactlyInAnyOrder("a", "c");
    }

    @Test
    void anAffinityNamingARoutableBackendIsHonoured() {
        RoutingFixture f = RoutingFixture.loadBalance();
        f.up("a", "b", "c");
        for (int i = 0; i < 5; i++) {
            assertThat(f.table.pick(Set.of(), "c")).hasValue(new Pick("c", false, false));
        }
    }

    @Test
    void anAffinityToABackendThatCannotServeIsRePickedAndTheCookieMustChange() {
        RoutingFixture f = RoutingFixture.loadBalance();
        f.up("a", "b", "c");
        f.down("c");
        assertThat(f.table.pick(Set.of(), "c")).hasValueSatisfying(p -> {
            assertThat(p.backend()).isIn("a", "b");
            assertThat(p.affinityChanged()).isTrue();
        });
        assertThat(f.table.pick(Set.of(), "no-such-backend")).hasValueSatisfying(
                p -> assertThat(p.affinityChanged()).isTrue());
        assertThat(f.table.pick(Set.of(), null)).hasValueSatisfying(
                p -> assertThat(p.affinityChanged()).as("no cookie yet: set one").isTrue());
    }

    @Test
    void retriesExcludeTriedBackendsEvenTheAffinityOne() {
        RoutingFixture f = RoutingFixture.loadBalance();
        f.up("a", "b", "c");
        for (int i = 0; i < 10; i++) {
            assertThat(f.table.pick(Set.of("a"), "a").orElseThrow().backend()).isIn("b", "c");
        }
        assertThat(f.pickExcluding("a", "c")).isEqualTo("b");
        assertThat(f.pickExcluding("a", "b", "c")).isNull();
    }

    @Test
    void whenEveryBackendIsDownTheLastOneToFailIsTheLastResort() {
        RoutingFixture f = RoutingFixture.loadBalance();
        f.up("a", "b");
        f.down("a");
        f.down("b");
        assertThat(f.table.pick()).hasValueSatisfying(p -> {
            assertThat(p.backend()).isEqualTo("b");
            assertThat(p.lastResort()).isTrue();
        });
        assertThat(f.events(RoutingEvent.LastResort.class)).hasSize(1);
    }

    @Test
    void failoverAndFailbackAreRefusedInLoadBalanceMode() {
        RoutingFixture f = new RoutingFixture(RoutingMode.LOAD_BALANCE, FailbackPolicy.Mode.AUTO,
                java.time.Duration.ZERO, false);
        f.up("a");
        assertThatThrownBy(() -> f.table.failover("a")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("failover mode");
        assertThatThrownBy(f.table::failback).isInstanceOf(IllegalStateException.class);
    }
}
