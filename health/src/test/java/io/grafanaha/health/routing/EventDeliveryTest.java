package io.grafanaha.health.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.health.RoutingMode;
import io.grafanaha.health.routing.FailbackPolicy.Mode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Listeners (metrics, the sync, tunnel closing) are told of events after the table's lock is released. */
class EventDeliveryTest {

    private final ExecutorService other = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        other.shutdownNow();
    }

    @Test
    void aListenerThatWaitsForAnotherThreadChangingTheTableDoesNotDeadlock() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, Duration.ofSeconds(10));
        f.up("a", "b", "c");
        List<String> outcome = new ArrayList<>();
        f.table.addListener(event -> {
            if (event instanceof RoutingEvent.BackendDown) {
                // The sync's listener hands work to its own threads, which may ask the table back.
                CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> f.table.drain("c"), other);
                try {
                    drain.get(5, TimeUnit.SECONDS);
                    outcome.add("drained from another thread");
                } catch (TimeoutException e) {
                    outcome.add("blocked: the listener ran under the table's lock");
                } catch (Exception e) {
                    outcome.add("failed: " + e);
                }
            }
        });
        f.seen.clear();

        f.down("a");

        assertThat(outcome).containsExactly("drained from another thread");
        assertThat(f.seen).as("delivered in the order the changes were made")
                .extracting(RoutingEvent::type).containsExactly("down", "failover", "drained");
    }

    @Test
    void listenersHearEventsInTheOrderTheTableRecordedThemWhenThreadsChangeItAtOnce() {
        RoutingFixture f = new RoutingFixture(RoutingMode.LOAD_BALANCE, Mode.AUTO, Duration.ZERO, true, 10_000);
        f.up("a", "b", "c");
        List<RoutingEvent> heard = Collections.synchronizedList(new ArrayList<>());
        f.table.addListener(heard::add);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<CompletableFuture<Void>> workers = List.of("a", "b", "c").stream()
                    .map(name -> CompletableFuture.runAsync(() -> {
                        for (int i = 0; i < 300; i++) {
                            f.table.drain(name);
                            f.table.enable(name);
                        }
                    }, pool))
                    .toList();
            CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).orTimeout(30, TimeUnit.SECONDS).join();
        } finally {
            pool.shutdownNow();
        }

        List<RoutingEvent> recorded = f.table.events();
        assertThat(recorded.subList(0, 3)).extracting(RoutingEvent::type).containsOnly("up");
        assertThat(heard).hasSizeGreaterThanOrEqualTo(1_800).isEqualTo(recorded.subList(3, recorded.size()));
    }

    @Test
    void aListenerReadingTheTableSeesTheChangeItsEventAnnounces() {
        RoutingFixture f = RoutingFixture.failover(Mode.AUTO, Duration.ofSeconds(10));
        f.up("a", "b");
        List<Object> seenByListener = new ArrayList<>();
        f.table.addListener(event -> {
            if (event instanceof RoutingEvent.Failover failover) {
                seenByListener.add(failover.to());
                seenByListener.add(f.table.snapshot().active());
                seenByListener.add(f.pick());
            }
        });

        f.down("a");

        assertThat(seenByListener).containsExactly("b", List.of("b"), "b");
    }
}
