package io.grafanaha.gateway.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ladder for Grafana 12's resource-API save landing on an instance other than the one it was loaded from. */
class ResourceSaveTranslationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards/cpu";

    private final DashboardLedger ledger = new DashboardLedger();
    /** The replica's current copy: id 4, version 2, resource version "4000002". */
    private JsonNode replica = resource(4, 2, "4000002", "CPU");
    /** Shared with the legacy API's translation in a running gateway. */
    private final TranslationCounts counts = new TranslationCounts();
    private final ResourceSaveTranslation translation = new ResourceSaveTranslation(ledger,
            (backend, path) -> CompletableFuture.completedFuture(Optional.ofNullable(replica)), counts);

    private static ObjectNode resource(long id, int version, String resourceVersion, String title) {
        ObjectNode r = JSON.createObjectNode().put("kind", "Dashboard");
        ObjectNode metadata = r.putObject("metadata").put("name", "cpu").put("resourceVersion", resourceVersion)
                .put("generation", version);
        metadata.putObject("labels").put("grafana.app/deprecatedInternalID", Long.toString(id));
        r.putObject("spec").put("uid", "cpu").put("title", title).put("version", version);
        return r;
    }

    /** The primary answered the user's load with its copy: id 6, version 5, resource version "6000005". */
    private void loadedFromThePrimary(String title) {
        translation.learn("primary", DashboardResources.answer(resource(6, 5, "6000005", title)).orElseThrow());
    }

    private SaveTranslation.Outcome save(String resourceVersion) throws Exception {
        ObjectNode body = resource(6, 5, resourceVersion, "CPU (mine)");
        var write = new GrafanaWrite.DashboardResourceSave(Optional.of("cpu"), Optional.of(resourceVersion), false, Optional.empty());
        return translation.translate("replica", PATH, write, body.toString().getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void aSaveBasedOnThePrimarysResourceVersionWithTheReplicasContentGetsTheReplicasResourceVersionAndNumbers() throws Exception {
        loadedFromThePrimary("CPU");

        SaveTranslation.Outcome outcome = save("6000005");

        assertThat(outcome).isInstanceOf(SaveTranslation.Outcome.Rewritten.class);
        JsonNode sent = JSON.readTree(((SaveTranslation.Outcome.Rewritten) outcome).body());
        assertThat(sent.path("metadata").path("resourceVersion").asText()).isEqualTo("4000002");
        assertThat(sent.path("metadata").path("labels").path("grafana.app/deprecatedInternalID").asText()).isEqualTo("4");
        assertThat(sent.path("spec").path("version").asInt()).isEqualTo(2);
        assertThat(sent.path("spec").path("title").asText()).isEqualTo("CPU (mine)");
        assertThat(counts.count(SaveTranslation.Result.TRANSLATED)).isEqualTo(1);
    }

    @Test
    void aSaveBasedOnContentTheReplicaNoLongerHoldsGetsAKubernetes409Conflict() throws Exception {
        loadedFromThePrimary("CPU before someone else's edit");

        SaveTranslation.Outcome outcome = save("6000005");

        assertThat(outcome).isInstanceOf(SaveTranslation.Outcome.Refused.class);
        var response = ((SaveTranslation.Outcome.Refused) outcome).response();
        assertThat(response.status()).isEqualTo(409);
        JsonNode status = JSON.readTree(response.body());
        assertThat(status.path("kind").asText()).isEqualTo("Status");
        assertThat(status.path("reason").asText()).isEqualTo("Conflict");
        assertThat(status.path("details").path("name").asText()).isEqualTo("cpu");
        assertThat(counts.count(SaveTranslation.Result.REFUSED_CHANGED)).isEqualTo(1);
        assertThat(counts.count(SaveTranslation.Result.TRANSLATED)).isZero();
    }

    @Test
    void theReplicasOwnCurrentResourceVersionGoesUnchanged() throws Exception {
        assertThat(save("4000002")).isInstanceOf(SaveTranslation.Outcome.Unchanged.class);
    }

    @Test
    void theSameResourceVersionStandingForOtherContentElsewhereIsAConflict() throws Exception {
        // Opaque strings of two instances can coincide; what they stood for decides.
        translation.learn("primary", DashboardResources.answer(resource(4, 2, "4000002", "CPU, primary's edit")).orElseThrow());

        assertThat(save("4000002")).isInstanceOf(SaveTranslation.Outcome.Refused.class);
    }

    @Test
    void aResourceVersionTheGatewayNeverSawIsLeftToTheReplicasOwnLock() throws Exception {
        assertThat(save("123")).isInstanceOf(SaveTranslation.Outcome.Unchanged.class);
    }

    @Test
    void aDashboardTheReplicaDoesNotHoldGoesUnchanged() throws Exception {
        loadedFromThePrimary("CPU");
        replica = null;

        assertThat(save("6000005")).isInstanceOf(SaveTranslation.Outcome.Unchanged.class);
    }

    @Test
    void whatAResourceAnswerTeachesServesTheLegacySavesToo() {
        loadedFromThePrimary("CPU");

        assertThat(ledger.content("primary", "cpu", 5, 6)).hasValue(DashboardLedger.fingerprint(
                resource(6, 5, "6000005", "CPU").get("spec")));
    }
}
