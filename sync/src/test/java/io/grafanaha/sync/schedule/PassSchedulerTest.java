package io.grafanaha.sync.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** When passes run, checked with a manual clock and scheduler: no real time passes. */
class PassSchedulerTest {
    static final List<String> BACKENDS = List.of("grafana-a", "grafana-b");
    static final Duration INTERVAL = Duration.ofSeconds(60);

    final ManualClock clock = new ManualClock();
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final FakePass pass = new FakePass();
    final PassScheduler passes = new PassScheduler(BACKENDS, INTERVAL, pass, scheduler, scheduler);

    /** Records each pass; answers with scripted outcomes (then "fetched, nothing failed"); may act while running. */
    static final class FakePass implements PassScheduler.Pass {
        record Call(List<String> backends, boolean full) {}

        final List<Call> calls = new ArrayList<>();
        final Deque<PassOutcome> outcomes = new ArrayDeque<>();
        Runnable during = () -> {};

        @Override
        public PassOutcome run(List<String> backends, boolean full) {
            calls.add(new Call(backends, full));
            Runnable r = during;
            during = () -> {};
            r.run();
            return outcomes.isEmpty() ? new PassOutcome.Fetched(Set.of()) : outcomes.poll();
        }
    }

    @Test
    void aRequestStartsAPassAtOnceAndTheNextFullPassComesOneIntervalLater() {
        CompletableFuture<Void> done = passes.request(BACKENDS, true);
        scheduler.runDue();

        assertThat(pass.calls).containsExactly(new FakePass.Call(BACKENDS, true));
        assertThat(done).isCompleted();
        assertThat(scheduler.pendingDelays()).containsExactly(INTERVAL);

        scheduler.advance(INTERVAL.minusSeconds(1));
        assertThat(pass.calls).hasSize(1);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(pass.calls).hasSize(2).last().isEqualTo(new FakePass.Call(BACKENDS, true));
        assertThat(passes.passes()).isEqualTo(2);
    }

    @Test
    void requestsDuringAPassCoalesceIntoExactlyOneMorePassOverEveryBackendTheyNamed() {
        List<CompletableFuture<Void>> during = new ArrayList<>();
        pass.during = () -> {
            during.add(passes.request(List.of("grafana-b"), false));
            during.add(passes.request(List.of("grafana-a"), true));
            during.add(passes.request(List.of("grafana-b"), false));
        };
        CompletableFuture<Void> first = passes.request(List.of("grafana-a"), false);
        scheduler.runDue();

        assertThat(pass.calls).containsExactly(new FakePass.Call(List.of("grafana-a"), false),
                new FakePass.Call(List.of("grafana-b", "grafana-a"), true));
        assertThat(first).isCompleted();
        assertThat(during).allSatisfy(f -> assertThat(f).isCompleted());
        assertThat(passes.passes()).isEqualTo(2);
    }

    @Test
    void aRequestWhilePassesAreQuietWaitsForNoTimer() {
        passes.request(BACKENDS, true);
        scheduler.runDue();
        scheduler.advance(Duration.ofSeconds(10));

        CompletableFuture<Void> webhook = passes.request(BACKENDS, false);
        scheduler.runDue();

        assertThat(webhook).isCompleted();
        assertThat(pass.calls).hasSize(2);
        assertThat(scheduler.pendingDelays()).as("a full pass moves the interval timer").containsExactly(INTERVAL);
    }

    @Test
    void aPassOverSomeBackendsLeavesTheIntervalTimerWhereItWas() {
        passes.request(BACKENDS, true);
        scheduler.runDue();
        scheduler.advance(Duration.ofSeconds(10));

        passes.request(List.of("grafana-a"), true);
        scheduler.runDue();

        assertThat(scheduler.pendingDelays()).containsExactly(INTERVAL.minusSeconds(10));
    }

    @Test
    void aFailedFetchIsTriedAgainAfter1s2s4sUpToTheIntervalAndThenEveryInterval() {
        for (int n = 1; n <= 8; n++) {
            pass.outcomes.add(new PassOutcome.NotFetched(n));
        }
        passes.request(BACKENDS, true);
        scheduler.runDue();

        List<Duration> waits = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Duration wait = scheduler.pendingDelays().get(0);
            waits.add(wait);
            scheduler.advance(wait);
        }

        assertThat(waits).containsExactly(seconds(1), seconds(2), seconds(4), seconds(8), seconds(16), seconds(32),
                seconds(60), seconds(60));
        assertThat(pass.calls).hasSize(9).allSatisfy(c -> assertThat(c).isEqualTo(new FakePass.Call(BACKENDS, true)));
        assertThat(scheduler.pendingDelays()).as("fetched again: back to the interval").containsExactly(INTERVAL);
    }

    @Test
    void aBackendWhosePartFailedGetsAPassOfItsOwnAfter1s2s4sUntilOneSucceeds() {
        Supplier<PassOutcome> aFailed = () -> new PassOutcome.Fetched(Set.of("grafana-a"));
        pass.outcomes.addAll(List.of(aFailed.get(), aFailed.get(), aFailed.get()));
        passes.request(BACKENDS, true);
        scheduler.runDue();

        assertThat(scheduler.pendingDelays()).containsExactly(seconds(1), INTERVAL);
        scheduler.advance(seconds(1));
        assertThat(pass.calls.get(1)).isEqualTo(new FakePass.Call(List.of("grafana-a"), true));
        assertThat(scheduler.pendingDelays()).containsExactly(seconds(2), INTERVAL.minusSeconds(1));
        scheduler.advance(seconds(2));
        assertThat(scheduler.pendingDelays()).containsExactly(seconds(4), INTERVAL.minusSeconds(3));
        scheduler.advance(seconds(4));

        assertThat(pass.calls).hasSize(4);
        assertThat(scheduler.pendingDelays()).as("it succeeded: no more passes of its own")
                .containsExactly(INTERVAL.minusSeconds(7));
    }

    @Test
    void aBackendsBackoffStopsAtTheInterval() {
        PassScheduler shortInterval = new PassScheduler(BACKENDS, seconds(5), pass, scheduler, scheduler);
        for (int i = 0; i < 5; i++) {
            pass.outcomes.add(new PassOutcome.Fetched(Set.of("grafana-b")));
        }
        shortInterval.request(List.of("grafana-b"), true);
        scheduler.runDue();

        List<Duration> waits = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Duration wait = scheduler.pendingDelays().get(0);
            waits.add(wait);
            scheduler.advance(wait);
        }

        assertThat(waits).containsExactly(seconds(1), seconds(2), seconds(4), seconds(5));
    }

    @Test
    void closingWaitsForTheRunningPassAnswersQueuedRequestsAndFiresNoMorePasses() throws Exception {
        pass.outcomes.add(new PassOutcome.Fetched(Set.of("grafana-a")));
        passes.request(BACKENDS, true);
        scheduler.runDue();
        assertThat(scheduler.pendingDelays()).as("a's own pass, and the interval").hasSize(2);
        List<CompletableFuture<Void>> queued = new ArrayList<>();
        Thread closer = new Thread(passes::close, "closer");
        pass.during = () -> {
            queued.add(passes.request(BACKENDS, true));
            closer.start();
            queued.get(0).orTimeout(10, TimeUnit.SECONDS).join();
            assertThat(closer.isAlive()).as("close waits for the running pass").isTrue();
        };
        passes.request(List.of("grafana-b"), true);

        scheduler.runDue();
        closer.join(10_000);

        assertThat(closer.isAlive()).isFalse();
        assertThat(queued.get(0)).as("its pass will not come, but nobody waits forever").isCompleted();
        assertThat(passes.request(BACKENDS, true)).isCompletedExceptionally();
        scheduler.advance(INTERVAL.multipliedBy(3));
        assertThat(pass.calls).as("neither the interval nor a backend's backoff runs a pass after close").hasSize(2);
    }

    @Test
    void aTimerThatIsShutDownStopsFurtherPassesWithoutWedgingTheScheduler() {
        scheduler.shutDown();
        PassScheduler inline = new PassScheduler(BACKENDS, INTERVAL, pass, Runnable::run, scheduler);

        assertThat(inline.request(BACKENDS, true)).isCompleted();
        assertThat(inline.request(BACKENDS, true)).isCompleted();
        assertThat(pass.calls).hasSize(2);
        inline.close();
    }

    private static Duration seconds(long s) {
        return Duration.ofSeconds(s);
    }
}
