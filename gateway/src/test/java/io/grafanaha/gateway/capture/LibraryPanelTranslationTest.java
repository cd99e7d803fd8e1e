package io.grafanaha.gateway.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ladder for a library panel save landing on an instance other than the one the panel was loaded from. */
class LibraryPanelTranslationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The replica's current copy: version 1. */
    private JsonNode replica = answer(4, 1, "CPU");
    private final LibraryPanelTranslation translation = new LibraryPanelTranslation(
            (backend, path) -> CompletableFuture.completedFuture(Optional.ofNullable(replica)));

    /** What {@code GET /api/library-elements/lib-cpu} answers. */
    private static ObjectNode answer(long id, int version, String title) {
        ObjectNode answer = JSON.createObjectNode();
        ObjectNode result = answer.putObject("result").put("id", id).put("uid", "lib-cpu").put("name", "CPU panel")
                .put("kind", 1).put("folderUid", "shared").put("version", version);
        result.putObject("model").put("type", "timeseries").put("title", title);
        result.putObject("meta").put("updated", "2026-12-04T10:00:00Z").put("connectedDashboards", id);
        return answer;
    }

    /** The primary answered the user's load with its copy, version 3. */
    private void loadedFromThePrimary(String title) {
        translation.learn("primary", answer(6, 3, title).toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The body Grafana's UI sends: name, folder, model and the version it loaded. */
    private SaveTranslation.Outcome save(int version) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("uid", "lib-cpu").put("name", "CPU panel").put("kind", 1)
                .put("folderUid", "shared").put("version", version);
        body.putObject("model").put("type", "stat").put("title", "CPU (mine)");
        var update = new GrafanaWrite.LibraryPanelUpdate("lib-cpu", OptionalLong.of(version));
        return translation.translate("replica", update, body.toString().getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void aSaveBasedOnThePrimarysVersionWithTheReplicasContentGetsTheReplicasVersion() throws Exception {
        loadedFromThePrimary("CPU");

        SaveTranslation.Outcome outcome = save(3);

        assertThat(outcome).isInstanceOf(SaveTranslation.Outcome.Rewritten.class);
        JsonNode sent = JSON.readTree(((SaveTranslation.Outcome.Rewritten) outcome).body());
        assertThat(sent.path("version").asInt()).isEqualTo(1);
        assertThat(sent.path("model").path("title").asText()).as("the user's edit").isEqualTo("CPU (mine)");
    }

    @Test
    void aSaveBasedOnContentTheReplicaNoLongerHoldsGoesUnchangedForTheReplicasOwn412() throws Exception {
        loadedFromThePrimary("CPU before someone else's edit");

        SaveTranslation.Outcome outcome = save(3);

        assertThat(outcome).isInstanceOf(SaveTranslation.Outcome.Unchanged.class);
    }

    @Test
    void theSameVersionStandingForOtherContentElsewhereIsAnswered412ByTheGateway() throws Exception {
        // The numbers of two instances can coincide; what they stood for decides.
        translation.learn("primary", answer(6, 1, "CPU, primary's edit").toString().getBytes(StandardCharsets.UTF_8));

        SaveTranslation.Outcome outcome = save(1);

        assertThat(outcome).isInstanceOf(SaveTranslation.Outcome.Refused.class);
        var response = ((SaveTranslation.Outcome.Refused) outcome).response();
        assertThat(response.status()).isEqualTo(412);
        assertThat(JSON.readTree(response.body()).path("message").asText())
                .isEqualTo("the library element has been changed by someone else");
    }

    @Test
    void theReplicasOwnCurrentVersionGoesUnchanged() throws Exception {
        loadedFromThePrimary("CPU");

        assertThat(save(1)).isInstanceOf(SaveTranslation.Outcome.Unchanged.class);
    }

    @Test
    void aVersionTheGatewayNeverSawOrAPanelTheReplicaLacksGoesUnchanged() throws Exception {
        assertThat(save(3)).isInstanceOf(SaveTranslation.Outcome.Unchanged.class);
        loadedFromThePrimary("CPU");
        replica = null;
        assertThat(save(3)).isInstanceOf(SaveTranslation.Outcome.Unchanged.class);
    }

    @Test
    void onlyASingleElementIsALoad() {
        assertThat(GrafanaWrites.isLibraryPanelLoad("GET", "/api/library-elements/lib-cpu")).isTrue();
        assertThat(GrafanaWrites.isLibraryPanelLoad("GET", "/api/library-elements/lib-cpu?x=1")).isTrue();
        assertThat(GrafanaWrites.isLibraryPanelLoad("GET", "/api/library-elements")).isFalse();
        assertThat(GrafanaWrites.isLibraryPanelLoad("GET", "/api/library-elements/lib-cpu/connections")).isFalse();
        assertThat(GrafanaWrites.isLibraryPanelLoad("PATCH", "/api/library-elements/lib-cpu")).isFalse();
    }
}
