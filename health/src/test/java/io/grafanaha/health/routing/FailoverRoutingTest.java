package io.grafanaha.health.routing;

import io.grafanaha.health.check.HealthState;
import io.grafanaha.health.check.Transition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.grafanaha.health.RoutingMode;
import io.grafanaha.health.routing.FailbackPolicy.Mode;
import io.grafanaha.health.routing.RoutingEvent.Activated;
import io.grafanaha.health.routing.RoutingEvent.Failback;
import io.grafanaha.health.routing.RoutingEvent.Failover;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FailoverRoutingTest {

    private static final Duration HOLD = Duration.ofSeconds(10);

    @Test
    void nothingIsRoutableBeforeAFirstCheckPasses() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, HOLD);
        assertThat(f.table.pick()).isEmpty();
        assertThat(f.seen).isEmpty();
    }

    @Test
    void thePrimaryServesWhileRoutableWhateverItsPlaceInTheConfiguration() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, HOLD);
        f.up("a", "b", "c");
        assertThat(f.pick()).isEqualTo("a");
        assertThat(f.events(Activated.class)).singleElement().satisfies(e -> assertThat(e.backend()).isEqualTo("a"));
        assertThat(f.table.snapshot().active()).containsExactly("a");
    }

    @Test
    void whenThePrimaryFailsTheFirstRoutableReplicaByOrderServes() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, HOLD);
        f.up("a", "b", "c");
        f.down("a");
        assertThat(f.pick()).isEqualTo("b");
        f.down("b");
        assertThat(f.pick()).isEqualTo("c");
        assertThat(f.events(Failover.class)).extracting(Failover::from, Failover::to, Failover::cause)
                .containsExactly(
                        tuple("a", "b", FailoverCause.BACKEND_DOWN),
                        tuple("b", "c", FailoverCause.BACKEND_DOWN));
        assertThat(f.events(Failover.class).get(0).reason()).contains("a down").contains("3 consecutive checks failed");
    }

    @Test
    void replicasDoNotPreemptEachOther() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, HOLD);
        f.down("a");
        f.up("c");
        assertThat(f.pick()).isEqualTo("c");
        f.up("b");
        f.clock.advance(Duration.ofMinutes(5));
        f.table.reevaluate();
        assertThat(f.pick()).isEqualTo("c");
    }

    @Test
    void atStartAReplicaWaitsForThePrimarysFirstVerdict() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, HOLD);
        f.up("b");
        assertThat(f.pick()).as("primary not checked yet").isNull();
        f.up("a");
        assertThat(f.pick()).isEqualTo("a");
        assertThat(f.seen).extracting(RoutingEvent::type).doesNotContain("failover", "failback");
    }

    @Test
    void atStartAReplicaServesOnceThePrimaryFailsItsFirstCheck() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, HOLD);
        f.up("b");
        f.table.onHealthChange("a", new Transition(HealthState.UNKNOWN, HealthState.DOWN, "connection refused"));
        assertThat(f.pick()).isEqualTo("b");
    }

    @Test
    void autoFailbackWaitsForRiseGateAndHold() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, HOLD);
        f.up("a", "b");
        f.down("a");
        f.gateOpen = false;
        f.up("a"); // passed rise, but not fresh yet
        f.clock.advance(Duration.ofSeconds(30));
        f.table.reevaluate();
        assertThat(f.pick()).as("gate closed").isEqualTo("b");
        assertThat(f.table.snapshot().failbackDue()).as("no hold while the gate is closed").isNull();

        f.gateOpen = true;
        f.table.reevaluate(); // the hold starts now
        assertThat(f.table.snapshot().failbackDue()).as("the ops page's countdown").isEqualTo(f.clock.instant().plus(HOLD));
        f.clock.advance(HOLD.minusMillis(1));
        assertThat(f.pick()).as("hold not over").isEqualTo("b");
        f.clock.advance(Duration.ofMillis(1));
        assertThat(f.pick()).as("due: pick itself fails back").isEqualTo("a");
        assertThat(f.table.snapshot().failbackDue()).as("no hold once failed back").isNull();
        assertThat(f.events(Failback.class)).singleElement().satisfies(e -> {
            assertThat(e.from()).isEqualTo("b");
            assertThat(e.to()).isEqualTo("a");
            assertThat(e.cause()).isEqualTo(FailoverCause.PRIMARY_RECOVERED);
        });
    }

    @Test
    void theHoldRestartsWhenThePrimaryFlapsOrTheGateCloses() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, HOLD);
        f.up("a", "b");
        f.down("a");
        f.up("a");
        f.clock.advance(Duration.ofSeconds(8));
        f.down("a");
        f.up("a");
        f.clock.advance(Duration.ofSeconds(8));
        assertThat(f.pick()).as("the flap restarted the hold").isEqualTo("b");

        f.gateOpen = false;
        f.table.reevaluate();
        f.gateOpen = true;
        f.table.reevaluate();
        f.clock.advance(Duration.ofSeconds(8));
        assertThat(f.pick()).as("the closed gate restarted the hold").isEqualTo("b");
        f.clock.advance(Duration.ofSeconds(2));
        assertThat(f.pick()).isEqualTo("a");
    }

    @Test
    void manualFailbackHappensOnlyOnTheAdminCall() {
        RoutingFixture f = RoutingFixture.failover(Mode.MANUAL, Duration.ZERO);
        f.up("a", "b");
        f.down("a");
        f.up("a");
        f.clock.advance(Duration.ofHours(1));
        f.table.reevaluate();
        assertThat(f.pick()).isEqualTo("b");

        f.table.failback();
        assertThat(f.pick()).isEqualTo("a");
        assertThat(f.events(Failback.class)).singleElement()
                .satisfies(e -> assertThat(e.cause()).isEqualTo(FailoverCause.ADMIN));
    }

    @Test
    void failbackToADownPrimaryIsRefused() {
        RoutingFixture f = RoutingFixture.failover(Mode.MANUAL, Duration.ZERO);
        f.up("a", "b");
        f.down("a");
        assertThatThrownBy(f.table::failback).isInstanceOf(IllegalStateException.class).hasMessageContaining("'a'");
    }

    @Test
    void aForcedFailoverSticksUntilItsTargetFails() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, Duration.ZERO);
        f.up("a", "b", "c");
        f.table.failover("c");
        f.clock.advance(Duration.ofMinutes(10));
        f.table.reevaluate();
        assertThat(f.pick()).isEqualTo("c");
        assertThat(f.table.snapshot().forcedTarget()).isEqualTo("c");

        f.down("c");
        assertThat(f.pick()).isEqualTo("a");
        assertThat(f.events(Failover.class)).extracting(Failover::cause)
                .containsExactly(FailoverCause.ADMIN, FailoverCause.FORCED_TARGET_DOWN);
        assertThat(f.table.snapshot().forcedTarget()).isNull();
    }

    @Test
    void failbackClearsAForcedChoice() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, Duration.ZERO);
        f.up("a", "b");
        f.table.failover("b");
        f.table.failback();
        assertThat(f.pick()).isEqualTo("a");
        f.down("a");
        f.up("a");
        assertThat(f.pick()).as("auto failback works again, hold 0").isEqualTo("a");
    }

    @Test
    void failoverNeedsAKnownRoutableTarget() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, HOLD);
        f.up("a");
        assertThatThrownBy(() -> f.table.failover("zz")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'zz'");
        assertThatThrownBy(() -> f.table.failover("b")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'b'").hasMessageContaining("unknown");
    }

    @Test
    void drainingTheActiveBackendMovesTrafficAndEnableBringsItBackAfterTheHold() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, HOLD);
        f.up("a", "b");
        f.table.drain("a");
        assertThat(f.pick()).isEqualTo("b");
        assertThat(f.events(Failover.class)).singleElement()
                .satisfies(e -> assertThat(e.cause()).isEqualTo(FailoverCause.DRAINED));
        assertThat(f.table.snapshot().backends()).filteredOn(b -> b.backend().name().equals("a"))
                .singleElement().satisfies(b -> {
                    assertThat(b.state()).isEqualTo("draining");
                    assertThat(b.routable()).isFalse();
                });
        assertThatThrownBy(() -> f.table.failover("a")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("draining");

        f.table.enable("a");
        assertThat(f.pick()).isEqualTo("b");
        f.clock.advance(HOLD);
        assertThat(f.pick()).isEqualTo("a");
        assertThat(f.events(RoutingEvent.Drained.class)).hasSize(1);
        assertThat(f.events(RoutingEvent.Enabled.class)).hasSize(1);
    }

    @Test
    void retriesGoToTheNextRoutableBackendNeverOneAlreadyTried() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, HOLD);
        f.up("a", "b", "c");
        assertThat(f.pickExcluding("a")).isEqualTo("b");
        assertThat(f.pickExcluding("a", "b")).isEqualTo("c");
        assertThat(f.pickExcluding("a", "b", "c")).isNull();
    }

    @Test
    void withLastResortEverythingDownStillRoutesToTheLastKnownGood() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, HOLD);
        f.up("a", "b");
        f.down("a");
        f.down("b");
        assertThat(f.table.pick()).hasValueSatisfying(p -> {
            assertThat(p.backend()).isEqualTo("b");
            assertThat(p.lastResort()).isTrue();
        });
        assertThat(f.events(RoutingEvent.LastResort.class)).singleElement()
                .satisfies(e -> assertThat(e.backend()).isEqualTo("b"));
        assertThat(f.table.snapshot().lastResortInUse()).isTrue();
        assertThat(f.table.snapshot().active()).containsExactly("b");
        assertThat(f.pickExcluding("b")).as("a retry never returns to it").isNull();

        f.up("a");
        assertThat(f.pick()).isEqualTo("a");
        assertThat(f.events(Activated.class)).extracting(Activated::backend).containsExactly("a", "a");
    }

    @Test
    void withoutLastResortEverythingDownMeansNothingRoutable() {
        RoutingFixture f = new RoutingFixture(RoutingMode.FAILOVER, Mode.AUTO, HOLD, false);
        f.up("a");
        f.down("a");
        assertThat(f.table.pick()).isEmpty();
        assertThat(f.events(RoutingEvent.NoneRoutable.class)).hasSize(1);
        assertThat(f.events(RoutingEvent.LastResort.class)).isEmpty();
    }
}
