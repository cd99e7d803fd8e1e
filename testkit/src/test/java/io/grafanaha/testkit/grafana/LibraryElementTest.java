package io.grafanaha.testkit.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /api/library-elements, grafana-api.md §1.10. */
class LibraryElementTest {
    private static final String CPU = """
            {"uid": "lib-cpu", "name": "CPU panel", "kind": 1, "folderUid": "%s",
             "model": {"type": "timeseries", "title": "CPU", "description": "load"}}
            """;

    private GrafanaEmulator grafana;
    private TestClient client;

    @BeforeEach
    void start() {
        grafana = GrafanaEmulator.start(GrafanaEmulator.options());
        client = new TestClient(grafana);
    }

    @AfterEach
    void stop() {
        grafana.close();
    }

    @Test
    void createWithAUidThenGetItBackWithTheDtoFields() {
        grafana.putFolder("team", "Team", "");
        HttpResponse<String> created = client.post("/api/library-elements", CPU.formatted("team"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);

        JsonNode result = TestClient.json(client.get("/api/library-elements/lib-cpu")).path("result");
        assertThat(result.path("uid").asText()).isEqualTo("lib-cpu");
        assertThat(result.path("name").asText()).isEqualTo("CPU panel");
        assertThat(result.path("kind").asInt()).isEqualTo(1);
        assertThat(result.path("type").asText()).isEqualTo("timeseries");
        assertThat(result.path("description").asText()).isEqualTo("load");
        assertThat(result.path("folderUid").asText()).isEqualTo("team");
        assertThat(result.path("version").asInt()).isEqualTo(1);
        assertThat(result.path("model").path("title").asText()).isEqualTo("CPU");
        assertThat(result.path("meta").path("folderName").asText()).isEqualTo("Team");
        assertThat(result.path("meta").path("connectedDashboards").asInt()).isZero();
    }

    @Test
    void aSecondCreateWithTheSameUidOrAnUnknownFolderOrAnotherKindIsRefused() {
        client.post("/api/library-elements", CPU.formatted(""));

        HttpResponse<String> again = client.post("/api/library-elements", CPU.formatted(""));
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(TestClient.json(again).path("message").asText())
                .isEqualTo("library element with that name or UID already exists");
        assertThat(client.post("/api/library-elements", CPU.formatted("nope").replace("lib-cpu", "other")
                .replace("CPU panel", "Other")).statusCode()).isEqualTo(400);
        assertThat(TestClient.json(client.post("/api/library-elements", CPU.formatted("").replace("\"kind\": 1",
                "\"kind\": 2").replace("lib-cpu", "var"))).path("message").asText())
                .isEqualTo("the element kind is not supported");
    }

    @Test
    void patchNeedsTheCurrentVersionAndAnswers412OtherwiseAsGrafanaDoes() {
        client.post("/api/library-elements", CPU.formatted(""));

        HttpResponse<String> patched = client.patch("/api/library-elements/lib-cpu",
                "{\"name\": \"CPU panel\", \"kind\": 1, \"version\": 1, \"model\": {\"type\": \"stat\"}}");
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        assertThat(TestClient.json(patched).path("result").path("version").asInt()).isEqualTo(2);
        assertThat(grafana.libraryElements().get("lib-cpu").type()).isEqualTo("stat");

        HttpResponse<String> stale = client.patch("/api/library-elements/lib-cpu",
                "{\"name\": \"CPU panel\", \"kind\": 1, \"version\": 1, \"model\": {\"type\": \"gauge\"}}");
        assertThat(stale.statusCode()).isEqualTo(412);
        assertThat(TestClient.json(stale).path("message").asText())
                .isEqualTo("the library element has been changed by someone else");
        assertThat(client.patch("/api/library-elements/none", "{\"kind\": 1, \"version\": 1}").statusCode())
                .isEqualTo(404);
    }

    @Test
    void deleteIsRefusedWhileADashboardUsesThePanel() {
        client.post("/api/library-elements", CPU.formatted(""));
        client.saveDashboard("{\"uid\":\"d\",\"title\":\"D\",\"panels\":[{\"id\":1,\"libraryPanel\":{\"uid\":\"lib-cpu\"}}]}",
                "");

        HttpResponse<String> refused = client.delete("/api/library-elements/lib-cpu");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(TestClient.json(refused).path("message").asText()).isEqualTo("the library element has connections");

        client.delete("/api/dashboards/uid/d");
        HttpResponse<String> deleted = client.delete("/api/library-elements/lib-cpu");
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(TestClient.json(deleted).path("message").asText()).isEqualTo("Library element deleted");
        assertThat(client.get("/api/library-elements/lib-cpu").statusCode()).isEqualTo(404);
    }

    @Test
    void listPagesByPerPageInsideAResultObject() {
        for (int i = 0; i < 3; i++) {
            client.post("/api/library-elements", CPU.formatted("").replace("lib-cpu", "p" + i)
                    .replace("CPU panel", "Panel " + i));
        }

        JsonNode page2 = TestClient.json(client.get("/api/library-elements?kind=1&perPage=2&page=2")).path("result");
        assertThat(page2.path("totalCount").asInt()).isEqualTo(3);
        assertThat(page2.path("elements")).extracting(e -> e.path("uid").asText()).containsExactly("p2");
        assertThat(page2.path("perPage").asInt()).isEqualTo(2);
    }

    @Test
    void aDashboardUsingALibraryPanelTheInstanceLacksRendersAnError() {
        client.saveDashboard("{\"uid\":\"d\",\"title\":\"D\",\"panels\":[{\"id\":1,\"libraryPanel\":{\"uid\":\"gone\"}},"
                + "{\"id\":2,\"libraryPanel\":{\"uid\":\"lib-cpu\"}}]}", "");
        client.post("/api/library-elements", CPU.formatted(""));

        assertThat(grafana.renderErrors("d")).containsExactly("library panel gone not found");
    }
}
