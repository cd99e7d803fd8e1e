package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Grafana counts a library panel's versions on its own: the Git-synced panel is version 3 on the primary here
 * (saved twice more with the same content) and version 1 on the replica. A user who loaded it from the primary and
 * saves it after a failover (the body Grafana's UI sends, with the version it loaded) is saved as if there were one
 * Grafana; an edit made on the replica meanwhile still gets Grafana's 412.
 */
class LibraryPanelFailoverSaveTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    private Rig rig;
    private RemoteRepo repo;
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private Gateway gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        rig = SyncedLibraryPanel.start(dir);
        repo = rig.repo();
        a = rig.a();
        b = rig.b();
        gateway = rig.gateway();
        for (int i = 0; i < 2; i++) {
            var panel = a.libraryElements().get("lib-cpu");
            a.updateLibraryElement("lib-cpu", panel.name(), panel.model());
        }
        assertThat(a.libraryElements().get("lib-cpu").version()).isEqualTo(3);
        assertThat(b.libraryElements().get("lib-cpu").version()).isEqualTo(1);
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    @Test
    void aPanelLoadedFromThePrimaryIsSavedOnTheReplicaAfterAFailoverAndReachesGit() throws Exception {
        JsonNode loaded = load();
        assertThat(loaded.path("version").asInt()).as("the primary's version").isEqualTo(3);

        failOver();
        HttpResponse<String> saved = save(loaded, "stat");

        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        assertThat(JSON.readTree(saved.body()).path("result").path("version").asInt())
                .as("the replica's next version, for the UI's next save").isEqualTo(2);
        assertThat(b.libraryElements().get("lib-cpu").type()).isEqualTo("stat");
        await().atMost(Duration.ofSeconds(20)).until(() -> repo.readFile("main", "shared/library-panels/cpu.json")
                .orElse("").contains("stat"));
    }

    @Test
    void anEditMadeOnTheReplicaMeanwhileStillGetsGrafanas412() throws Exception {
        JsonNode loaded = load();
        failOver();
        b.updateLibraryElement("lib-cpu", "CPU panel", (ObjectNode) JSON.readTree("{\"type\": \"gauge\", \"title\": \"CPU\"}"));

        HttpResponse<String> refused = save(loaded, "stat");

        assertThat(refused.statusCode()).isEqualTo(412);
        assertThat(JSON.readTree(refused.body()).path("message").asText())
                .isEqualTo("the library element has been changed by someone else");
        assertThat(b.libraryElements().get("lib-cpu").type()).as("the other edit kept").isEqualTo("gauge");
    }

    private void failOver() {
        a.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.active().equals(Optional.of(Rig.REPLICA)));
    }

    /** {@code GET /api/library-elements/lib-cpu} through the front door, as the dashboard's panel editor does. */
    private JsonNode load() throws Exception {
        HttpResponse<String> response = http.send(DivergedCopies.request(gateway, "/api/library-elements/lib-cpu").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body()).path("result");
    }

    /** The save Grafana's UI sends: uid, name, kind, folder, the model edited and the version it loaded. */
    private HttpResponse<String> save(JsonNode loaded, String type) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("uid", "lib-cpu").put("name", loaded.path("name").asText())
                .put("kind", 1).put("folderUid", loaded.path("folderUid").asText()).put("version", loaded.path("version").asInt());
        ObjectNode model = loaded.path("model").deepCopy();
        model.put("type", type);
        body.set("model", model);
        return http.send(DivergedCopies.request(gateway, "/api/library-elements/lib-cpu")
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }
}
