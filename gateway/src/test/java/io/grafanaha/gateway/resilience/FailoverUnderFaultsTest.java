package io.grafanaha.gateway.resilience;

import static io.grafanaha.gateway.resilience.FailoverRig.PRIMARY;
import static io.grafanaha.gateway.resilience.FailoverRig.REPLICA;
import static io.grafanaha.gateway.resilience.LoadClient.matching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import eu.rekawek.toxiproxy.model.ToxicDirection;
import io.grafanaha.gateway.resilience.LoadClient.Result;
import io.grafanaha.health.routing.RoutingEvent;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Failover under a steady GET load (200 per second) with the faults a Grafana or its network really
 * has, injected by Toxiproxy between the gateway and the primary, or on the emulator itself.
 *
 * <p>What every scenario proves: not one GET fails, before, during or after the failover. During
 * detection GETs are retried (connect failure, reset, 503) or moved when the primary is marked down
 * (latency, blackhole, hang), so the bound we assert for failures is zero. That holds while the retry
 * budget (20% of the last 10 s of requests) covers the GETs failing during detection, about 250 at
 * most here: the rig serves 2000 GETs before each scenario, as a gateway in service has ({@link
 * FailoverRig#warmUp}); the budget refusals seen without that are the budget working. For the faults that make
 * the primary hang, no GET waits longer than detection (timeout x fall plus the check intervals,
 * about 1.1 s here; we allow {@link #MAX_WAIT}) although {@code proxy.response-timeout} is 60 s.
 * Once the failover event is recorded, every GET is answered by the replica.
 */
class FailoverUnderFaultsTest {
    /**
     * interval 200 ms + timeout 400 + fast interval 100 + timeout 400 = ~1.1 s, plus a loaded 2-core CI machine, where
     * event loops and the checker's timer run hundreds of milliseconds late.
     */
    private static final Duration DETECTION = Duration.ofMillis(2500);
    /** Detection and the retry on the replica; still well below the 5 s a GET waiting for the slow primary takes. */
    private static final Duration MAX_WAIT = Duration.ofMillis(3000);
    /** Slack between the failover event's clock reading and the routing view every event loop reads. */
    private static final Duration SLACK = Duration.ofMillis(50);

    // ---- failover, one fault at a time -----------------------------------------------------------

    @Test
    void latencyBeyondHealthTimeoutFailsOverAndNoGetWaitsForTheSlowPrimary() throws Exception {
        try (FailoverRig rig = FailoverRig.autoFailback(Duration.ofSeconds(30))) {
            List<Result> results = failOverUnder(rig,
                    () -> rig.toPrimary.toxics().latency("slow", ToxicDirection.DOWNSTREAM, 5_000));
            assertMaxLatencyBelow(results, MAX_WAIT);
        }
    }

    @Test
    void resetPeerFailsOverAndResetGetsAreRetried() throws Exception {
        try (FailoverRig rig = FailoverRig.autoFailback(Duration.ofSeconds(30))) {
            failOverUnder(rig, () -> rig.toPrimary.toxics().resetPeer("reset", ToxicDirection.UPSTREAM, 0));
        }
    }

    @Test
    void blackholeFailsOverAndWaitingGetsMoveToTheReplica() throws Exception {
        try (FailoverRig rig = FailoverRig.autoFailback(Duration.ofSeconds(30))) {
            List<Result> results = failOverUnder(rig,
                    () -> rig.toPrimary.toxics().timeout("blackhole", ToxicDirection.DOWNSTREAM, 0));
            assertMaxLatencyBelow(results, MAX_WAIT);
        }
    }

    @Test
    void stoppedPrimaryFailsOverAndRefusedGetsAreRetried() throws Exception {
        try (FailoverRig rig = FailoverRig.autoFailback(Duration.ofSeconds(30))) {
            failOverUnder(rig, rig.primary::stop);
        }
    }

    @Test
    void failingDatabaseFailsOverAndItsServiceUnavailableGetsAreRetried() throws Exception {
        try (FailoverRig rig = FailoverRig.autoFailback(Duration.ofSeconds(30))) {
            failOverUnder(rig, () -> rig.primary.databaseFailing(true));
        }
    }

    // ---- failback ---------------------------------------------------------------------------------

    @Test
    void autoFailbackWaitsForRiseAndHoldAndLosesNoGet() throws Exception {
        Duration hold = Duration.ofSeconds(1);
        try (FailoverRig rig = FailoverRig.autoFailback(hold); LoadClient load = rig.startLoad()) {
            load.awaitServedBy(PRIMARY, 20, Duration.ofSeconds(5));
            rig.toPrimary.toxics().timeout("blackhole", ToxicDirection.DOWNSTREAM, 0);
            rig.awaitActive(REPLICA, DETECTION.multipliedBy(2));
            Instant failoverAt = rig.failoverAt();

            Instant recoveredAt = Instant.now();
            rig.toPrimary.toxics().get("blackhole").remove();
            rig.awaitActive(PRIMARY, Duration.ofSeconds(5));
            RoutingEvent.Failback failback = rig.lastEvent(RoutingEvent.Failback.class).orElseThrow();
            awaitServedAfter(load, PRIMARY, failback.at(), 20);
            List<Result> results = load.stop();

            assertNoFailedGet(rig, results);
            RoutingEvent.BackendUp up = rig.lastEvent(RoutingEvent.BackendUp.class).orElseThrow();
            assertThat(up.backend()).isEqualTo(PRIMARY);
            assertThat(Duration.between(up.at(), failback.at())).as("up -> failback").isGreaterThanOrEqualTo(hold);
            assertThat(Duration.between(recoveredAt, failback.at())).as("recovery -> failback").isGreaterThanOrEqualTo(hold);
            assertThat(servedBetween(results, PRIMARY, failoverAt.plus(SLACK), failback.at()))
                    .as("GETs served by the primary between failover at " + failoverAt + " and failback at " + failback.at())
                    .isEmpty();
        }
    }

    @Test
    void manualFailbackReturnsToThePrimaryOnlyOnPostFailback() throws Exception {
        try (FailoverRig rig = FailoverRig.manualFailback(); LoadClient load = rig.startLoad()) {
            load.awaitServedBy(PRIMARY, 20, Duration.ofSeconds(5));
            rig.primary.databaseFailing(true);
            rig.awaitActive(REPLICA, DETECTION.multipliedBy(2));
            Instant failoverAt = rig.failoverAt();

            rig.primary.databaseFailing(false);
            await().atMost(Duration.ofSeconds(5)).until(() -> rig.state(PRIMARY).equals("up"));
            // Healthy again, yet traffic stays on the replica until an operator says otherwise.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> REPLICA.equals(rig.active()));

            Instant asked = Instant.now();
            assertThat(rig.postAdmin("/api/failback").statusCode()).isEqualTo(200);
            rig.awaitActive(PRIMARY, Duration.ofSeconds(2));
            awaitServedAfter(load, PRIMARY, asked, 20);
            List<Result> results = load.stop();

            assertNoFailedGet(rig, results);
            assertThat(servedBetween(results, PRIMARY, failoverAt.plus(SLACK), asked))
                    .as("GETs served by the primary before POST /api/failback").isEmpty();
        }
    }

    // ---- a hung primary: safe requests move, unsafe ones do not -------------------------------------

    @Test
    void hungPrimaryMovesWaitingGetsButLeavesWaitingPostsToTheResponseTimeout() throws Exception {
        Duration responseTimeout = Duration.ofSeconds(3);
        try (FailoverRig rig = FailoverRig.withResponseTimeout(responseTimeout)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            rig.primary.hang(true);
            long start = System.nanoTime();
            CompletableFuture<HttpResponse<String>> post = http.sendAsync(HttpRequest.newBuilder(rig.gatewayUri("/api/dashboards/db"))
                    .header("Authorization", "Bearer " + rig.primary.token())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"dashboard\":{\"uid\":\"hung\",\"title\":\"Hung\"}}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            CompletableFuture<HttpResponse<String>> get = http.sendAsync(
                    HttpRequest.newBuilder(rig.gatewayUri("/api/health")).build(), HttpResponse.BodyHandlers.ofString());

            HttpResponse<String> got = get.get(10, TimeUnit.SECONDS);
            Duration getTook = Duration.ofNanos(System.nanoTime() - start);
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(got.headers().firstValue("X-Grafana-Emulator")).hasValue(REPLICA);
            assertThat(getTook).as("GET moved when the primary was marked down").isLessThan(MAX_WAIT);

            HttpResponse<String> posted = post.get(10, TimeUnit.SECONDS);
            Duration postTook = Duration.ofNanos(System.nanoTime() - start);
            assertThat(posted.statusCode()).as("the POST may have reached the primary: never replayed").isEqualTo(504);
            assertThat(postTook).isGreaterThanOrEqualTo(responseTimeout);
            assertThat(rig.primary.requestCount("/api/dashboards/db")).isEqualTo(1);
            assertThat(rig.replica.requestCount("/api/dashboards/db")).isZero();
        }
    }

    // ---- no backend can serve ---------------------------------------------------------------------

    @Test
    void bothBackendsDeadResettingAndHungAnswer503PromptlyNotTheResponseTimeout() throws Exception {
        Duration responseTimeout = Duration.ofSeconds(20);
        try (FailoverRig rig = FailoverRig.withResponseTimeout(responseTimeout)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            rig.toPrimary.toxics().resetPeer("reset", ToxicDirection.UPSTREAM, 0);
            rig.awaitActive(REPLICA, DETECTION.multipliedBy(2));
            rig.replica.hang(true);
            await().atMost(DETECTION.multipliedBy(3)).until(() -> rig.state(REPLICA).equals("down") && rig.state(PRIMARY).equals("down"));
            long start = System.nanoTime();

            HttpResponse<String> got = http.send(HttpRequest.newBuilder(rig.gatewayUri("/api/search")).build(),
                    HttpResponse.BodyHandlers.ofString());

            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(got.statusCode()).isEqualTo(503);
            assertThat(got.headers().firstValue("Retry-After")).isPresent();
            assertThat(took).as("within proxy.connect-timeout (2 s) and slack, not the 20 s response timeout")
                    .isLessThan(Duration.ofSeconds(5));
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    interface Fault {
        void inject() throws Exception;
    }

    /**
     * Runs the load, injects {@code fault} once the primary serves, waits for the failover and for the
     * replica to serve, and checks what every failover must give: no failed GET, detection within
     * {@link #DETECTION}, and only the replica answering after the failover.
     */
    private static List<Result> failOverUnder(FailoverRig rig, Fault fault) throws Exception {
        try (LoadClient load = rig.startLoad()) {
            load.awaitServedBy(PRIMARY, 20, Duration.ofSeconds(5));
            Instant faultAt = Instant.now();
            fault.inject();
            rig.awaitActive(REPLICA, DETECTION.multipliedBy(2));
            Instant failoverAt = rig.failoverAt();
            awaitServedAfter(load, REPLICA, failoverAt, 40);
            List<Result> results = load.stop();

            assertNoFailedGet(rig, results);
            assertThat(rig.retries()).as("GETs retried or moved during detection").isPositive();
            assertThat(Duration.between(faultAt, failoverAt)).as("fault -> failover").isLessThan(DETECTION);
            assertThat(matching(results, r -> r.started().isAfter(failoverAt.plus(SLACK)) && !REPLICA.equals(r.servedBy())))
                    .as("GETs after the failover not served by the replica").isEmpty();
            return results;
        }
    }

    private static void awaitServedAfter(LoadClient load, String backend, Instant after, int count) {
        await().atMost(Duration.ofSeconds(5)).until(() -> matching(load.results(),
                r -> r.ok() && backend.equals(r.servedBy()) && r.started().isAfter(after)).size() >= count);
    }

    private static void assertNoFailedGet(FailoverRig rig, List<Result> results) {
        assertThat(results).hasSizeGreaterThan(50);
        assertThat(matching(results, r -> !r.ok())).as("failed GETs out of " + results.size() + "; " + rig.retryMetrics())
                .isEmpty();
    }

    private static void assertMaxLatencyBelow(List<Result> results, Duration bound) {
        Result slowest = results.stream().max(Comparator.comparingLong(Result::latencyNanos)).orElseThrow();
        assertThat(slowest.latency()).as("slowest GET: " + slowest).isLessThan(bound);
    }

    /**
     * Requests {@code backend} answered that surely were routed within (from, to): sent after
     * {@code from} and answered before {@code to}. (The client's clock brackets the gateway's choice;
     * a request answered just after {@code to} may have been queued on the client and routed later.)
     */
    private static List<Result> servedBetween(List<Result> results, String backend, Instant from, Instant to) {
        return matching(results, r -> backend.equals(r.servedBy()) && r.started().isAfter(from) && r.ended().isBefore(to));
    }
}
