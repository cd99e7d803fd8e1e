package io.grafanaha.health.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.health.RoutingMode;
import io.grafanaha.health.routing.FailbackPolicy.Mode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EventLogTest {

    @Test
    void keepsOnlyTheMostRecentEventsOldestFirst() {
        RoutingFixture f = new RoutingFixture(RoutingMode.FAILOVER, Mode.AUTO, Duration.ZERO, true, 3);
        f.down("a");
        f.seen.clear();
        for (int i = 0; i < 50; i++) {
            f.up("b");
            f.down("b");
        }
        assertThat(f.seen).as("listeners see every event").hasSize(50 * 4); // up, activated, down, last-resort
        assertThat(f.table.events()).hasSize(3);
        assertThat(f.table.events()).extracting(RoutingEvent::type).containsExactly("activated", "down", "last-resort");
        assertThat(f.table.snapshot().events()).isEqualTo(f.table.events());
    }

    @Test
    void everyEventDescribesItselfOnOneLine() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, Duration.ZERO);
        f.up("a", "b");
        f.down("a");
        f.table.drain("b");
        assertThat(f.seen).allSatisfy(e -> {
            assertThat(e.describe()).doesNotContain("\n").startsWith(e.type());
            assertThat(e.at()).isEqualTo(f.clock.instant());
        });
        assertThat(f.events(RoutingEvent.Failover.class).get(0).describe())
                .contains("from=a").contains("to=b").contains("cause=backend-down");
    }
}
