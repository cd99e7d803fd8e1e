package io.grafanaha.gateway.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ladder that decides what becomes of a save landing on an instance other than the one it was loaded from. */
class SaveTranslationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CPU = fingerprint("CPU");

    private final DashboardLedger ledger = new DashboardLedger();
    private Optional<SaveTranslation.Current> replica = Optional.of(new SaveTranslation.Current(4, 2, CPU));
    /** The replica's own history: version → fingerprint. */
    private final Map<Integer, String> replicaHistory = new HashMap<>();
    private final SaveTranslation translation = new SaveTranslation(ledger, new SaveTranslation.Reader() {
        @Override
        public CompletableFuture<Optional<SaveTranslation.Current>> current(String backend, String uid) {
            return CompletableFuture.completedFuture(replica);
        }

        @Override
        public CompletableFuture<Optional<String>> version(String backend, String uid, int version) {
            return CompletableFuture.completedFuture(Optional.ofNullable(replicaHistory.get(version)));
        }
    });

    @Test
    void aSaveBasedOnThePrimarysVersionWithTheReplicasContentGetsTheReplicasIdAndVersionAndKeepsTheRest() throws Exception {
        ledger.learn("primary", "cpu", 6, 5, CPU);

        SaveTranslation.Outcome outcome = translate(6, 5);

        assertThat(outcome).isInstanceOf(SaveTranslation.Outcome.Rewritten.class);
        JsonNode sent = JSON.readTree(((SaveTranslation.Outcome.Rewritten) outcome).body());
        assertThat(sent.path("dashboard").path("id").asLong()).isEqualTo(4);
        assertThat(sent.path("dashboard").path("version").asInt()).isEqualTo(2);
        assertThat(sent.path("dashboard").path("title").asText()).isEqualTo("CPU (mine)");
        assertThat(sent.path("folderUid").asText()).isEqualTo("team-a");
        assertThat(sent.path("overwrite").asBoolean(true)).isFalse();
    }

    @Test
    void aSaveBasedOnContentTheReplicaNoLongerHoldsGetsGrafanas412() throws Exception {
        ledger.learn("primary", "cpu", 6, 5, fingerprint("CPU before someone else's edit"));

        assertThat(translate(6, 5)).isInstanceOf(SaveTranslation.Outcome.Refused.class);
    }

    @Test
    void aSaveWithAnotherInstancesIdFromAVersionTheGatewayNeverSawGets412RatherThanAnUnresolvable400() throws Exception {
        assertThat(translate(6, 5)).isInstanceOf(SaveTranslation.Outcome.Refused.class);
    }

    @Test
    void theNextSaveAfterATranslatedOneNamesTheIdTheBrowserKeptWithTheVersionItWasAnsweredAndIsTranslatedAgain() throws Exception {
        // The browser sent the primary's id 6; the save landed on another instance and was answered version 2 there.
        // It keeps id 6 and takes version 2: a pair no instance holds. The replica now holds what it saved.
        ledger.learnAnswered("cpu", 6, 2, CPU);
        replica = Optional.of(new SaveTranslation.Current(4, 3, CPU));

        SaveTranslation.Outcome outcome = translate(6, 2);

        assertThat(outcome).isInstanceOf(SaveTranslation.Outcome.Rewritten.class);
        JsonNode sent = JSON.readTree(((SaveTranslation.Outcome.Rewritten) outcome).body());
        assertThat(sent.path("dashboard").path("id").asLong()).isEqualTo(4);
        assertThat(sent.path("dashboard").path("version").asInt()).isEqualTo(3);
    }

    @Test
    void aTranslatedAnswerStandsOnlyForWhatItSaved() throws Exception {
        ledger.learnAnswered("cpu", 6, 2, fingerprint("CPU as saved then"));

        assertThat(translate(6, 2)).as("the replica holds other content since").isInstanceOf(SaveTranslation.Outcome.Refused.class);
    }

    @Test
    void theVersionMustComeFromTheInstanceTheIdNames() throws Exception {
        ledger.learn("primary", "cpu", 6, 5, CPU);

        assertThat(translate(7, 5)).isInstanceOf(SaveTranslation.Outcome.Refused.class);
    }

    @Test
    void aSaveAlreadyInTheServingInstancesNumbersGoesUnchanged() throws Exception {
        ledger.learn("primary", "cpu", 4, 2, fingerprint("whatever the primary had"));

        assertThat(translate(4, 2)).isInstanceOf(SaveTranslation.Outcome.Unchanged.class);
    }

    @Test
    void aStaleSaveOnTheSameInstanceIsLeftToGrafanasOwn412() throws Exception {
        assertThat(translate(4, 1)).isInstanceOf(SaveTranslation.Outcome.Unchanged.class);
    }

    @Test
    void whenIdsCoincideAStaleSaveOfTheServingInstancesOwnOlderVersionIsRefusedThoughAnotherInstanceHadThoseNumbers()
            throws Exception {
        replica = Optional.of(new SaveTranslation.Current(4, 7, CPU));
        ledger.learn("primary", "cpu", 4, 5, CPU);
        replicaHistory.put(5, fingerprint("CPU as the replica had it at its version 5"));

        assertThat(translate(4, 5)).isInstanceOf(SaveTranslation.Outcome.Refused.class);
    }

    @Test
    void numbersThatAreBothATranslatedAnswerAndAnOlderVersionOfTheServingCopyAreRefusedAsAmbiguous() throws Exception {
        // The page read the replica's id 4 at version 3 and saved through the primary, which answered version 2: the
        // page holds id 4, version 2, and the replica, synced since, holds what it saved. But the replica's own
        // version 2 held other content, and a tab still open on it would send the same numbers.
        ledger.learnAnswered("cpu", 4, 2, CPU);
        replica = Optional.of(new SaveTranslation.Current(4, 4, CPU));
        replicaHistory.put(2, fingerprint("CPU as the replica had it at its version 2"));

        SaveTranslation.Outcome outcome = translate(4, 2);

        assertThat(outcome).isInstanceOf(SaveTranslation.Outcome.Refused.class);
        assertThat(((SaveTranslation.Outcome.Refused) outcome).reason()).isEqualTo("ambiguous numbers");
        assertThat(translation.count(SaveTranslation.Result.REFUSED_AMBIGUOUS)).isEqualTo(1);
    }

    @Test
    void eachSaveIsCountedUnderWhatBecameOfIt() throws Exception {
        ledger.learn("primary", "cpu", 6, 5, CPU);
        ledger.learn("primary", "cpu", 6, 4, fingerprint("CPU before someone else's edit"));

        translate(6, 5); // the replica holds that content: translated
        translate(6, 4); // it does not: refused
        translate(6, 3); // never seen: refused
        translate(4, 2); // already the replica's numbers: forwarded

        assertThat(translation.count(SaveTranslation.Result.TRANSLATED)).isEqualTo(1);
        assertThat(translation.count(SaveTranslation.Result.REFUSED_CHANGED)).isEqualTo(1);
        assertThat(translation.count(SaveTranslation.Result.REFUSED_UNSEEN)).isEqualTo(1);
        assertThat(translation.count(SaveTranslation.Result.FORWARDED)).isEqualTo(1);
        assertThat(translation.count(SaveTranslation.Result.REFUSED_AMBIGUOUS)).isZero();
    }

    @Test
    void whenIdsCoincideASaveFromAnotherInstancesVersionWithTheServingContentIsTranslated() throws Exception {
        replica = Optional.of(new SaveTranslation.Current(4, 3, CPU));
        ledger.learn("primary", "cpu", 4, 5, CPU);

        assertThat(translate(4, 5)).isInstanceOf(SaveTranslation.Outcome.Rewritten.class);
    }

    @Test
    void aDashboardTheServingInstanceDoesNotHoldIsLeftToGrafana() throws Exception {
        replica = Optional.empty();
        ledger.learn("primary", "cpu", 6, 5, CPU);

        assertThat(translate(6, 5)).isInstanceOf(SaveTranslation.Outcome.Unchanged.class);
    }

    @Test
    void aFailedReadForwardsTheSaveUnchanged() throws Exception {
        SaveTranslation failing = new SaveTranslation(ledger,
                (backend, uid) -> CompletableFuture.failedFuture(new IllegalStateException("connection refused")));
        byte[] body = body(6, 5);

        assertThat(failing.translate("replica", save(body), body).toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(SaveTranslation.Outcome.Unchanged.class);
    }

    @Test
    void theLedgerForgetsTheNumbersOfADashboardDeletedAndCreatedAgain() {
        ledger.learn("primary", "cpu", 6, 5, CPU);
        ledger.learn("primary", "cpu", 9, 1, CPU);

        assertThat(ledger.contents("cpu", 5, OptionalLong.empty(), "replica")).isEmpty();
        assertThat(ledger.contents("cpu", 1, OptionalLong.of(9), "replica")).containsExactly(CPU);
    }

    private SaveTranslation.Outcome translate(long id, int version) throws Exception {
        byte[] body = body(id, version);
        return translation.translate("replica", save(body), body).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static GrafanaWrite.DashboardSave save(byte[] body) {
        return (GrafanaWrite.DashboardSave) GrafanaWrites.classify("POST", "/api/dashboards/db", body).orElseThrow();
    }

    private static byte[] body(long id, int version) {
        return """
                {"dashboard": {"id": %d, "uid": "cpu", "title": "CPU (mine)", "version": %d, "panels": []},
                 "folderUid": "team-a", "message": "tuned", "overwrite": false}
                """.formatted(id, version).getBytes(StandardCharsets.UTF_8);
    }

    private static String fingerprint(String title) {
        ObjectNode dashboard = JSON.createObjectNode().put("uid", "cpu").put("title", title);
        dashboard.putArray("panels");
        return DashboardLedger.fingerprint(dashboard);
    }
}
