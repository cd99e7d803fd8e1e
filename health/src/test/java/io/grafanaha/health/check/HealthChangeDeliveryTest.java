package io.grafanaha.health.check;

import static io.grafanaha.health.ScriptedProbe.backend;
import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.health.ManualClock;
import io.grafanaha.health.ManualScheduler;
import io.grafanaha.health.Role;
import io.grafanaha.health.ScriptedProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The routing table hears of a change after the checker's lock on that backend is released. */
class HealthChangeDeliveryTest {

    private final ManualClock clock = new ManualClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final ScriptedProbe probe = new ScriptedProbe();
    private final ExecutorService other = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        other.shutdownNow();
    }

    @Test
    void aListenerThatWaitsForAnotherThreadReadingTheCheckerDoesNotDeadlock() {
        AtomicReference<HealthChecker> checker = new AtomicReference<>();
        List<String> seen = new ArrayList<>();
        HealthListener listener = (backend, transition) -> {
            CompletableFuture<HealthState> read = CompletableFuture.supplyAsync(() -> checker.get().report(backend).state(), other);
            try {
                seen.add(backend + ":" + transition.to() + " read as " + read.get(5, TimeUnit.SECONDS));
            } catch (TimeoutException e) {
                seen.add("blocked: the listener ran under the checker's lock");
            } catch (Exception e) {
                seen.add("failed: " + e);
            }
        };
        checker.set(new HealthChecker(List.of(backend("a", Role.PRIMARY)),
                CheckPolicy.of("/api/health", Duration.ofSeconds(2), Duration.ofSeconds(1), 1, 1).withJitter(0),
                probe, scheduler, clock, () -> 0.5, listener));
        probe.pass("a");
        checker.get().start();

        scheduler.advance(Duration.ZERO);
        probe.fail("a");
        scheduler.advance(Duration.ofSeconds(2));

        assertThat(seen).containsExactly("a:UP read as UP", "a:DOWN read as DOWN");
    }
}
