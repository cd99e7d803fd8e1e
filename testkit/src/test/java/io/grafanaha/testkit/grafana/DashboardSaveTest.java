package io.grafanaha.testkit.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** POST /api/dashboards/db, grafana-api.md §1.3. */
class DashboardSaveTest {
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
    void createReturnsVersion1AndTheSuccessShape() {
        // §1.3 step 9 + success body
        HttpResponse<String> res = client.saveDashboard("{\"id\":null,\"uid\":\"prod-1\",\"title\":\"Production Overview\"}", "\"message\":\"first\"");
        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode body = TestClient.json(res);
        assertThat(body.get("status").asText()).isEqualTo("success");
        assertThat(body.get("slug").asText()).isEqualTo("production-overview");
        assertThat(body.get("version").asInt()).isEqualTo(1);
        assertThat(body.get("id").asLong()).isEqualTo(1);
        assertThat(body.get("uid").asText()).isEqualTo("prod-1");
        assertThat(body.get("url").asText()).isEqualTo("/d/prod-1/production-overview");
        assertThat(body.get("folderUid").asText()).isEmpty();
        assertThat(grafana.dashboards().get("prod-1").json().get("version").asInt()).isEqualTo(1);
    }

    @Test
    void updateWithTheStoredVersionBumpsIt() {
        // §1.3 step 7 + 9: version equal to stored → stored+1
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\"}", "");
        HttpResponse<String> res = client.saveDashboard("{\"uid\":\"u\",\"title\":\"T2\",\"version\":1}", "");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(TestClient.json(res).get("version").asInt()).isEqualTo(2);
        assertThat(TestClient.json(res).get("id").asLong()).isEqualTo(1);
    }

    @Test
    void staleVersionIs412WithTheExactBody() {
        // §1.3 step 7: optimistic locking
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\"}", "");
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\",\"version\":1}", "");
        HttpResponse<String> res = client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\",\"version\":1}", "");
        assertThat(res.statusCode()).isEqualTo(412);
        assertThat(res.body()).isEqualTo("{\"status\":\"version-mismatch\",\"message\":\"The dashboard has been changed by someone else\"}");
    }

    @Test
    void resavingAUidWithoutVersionIs412() {
        // §1.3 step 7 consequence: absent version → 0 → mismatch
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\"}", "");
        assertThat(client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\"}", "").statusCode()).isEqualTo(412);
    }

    @Test
    void overwriteSkipsTheVersionCheck() {
        // §1.3 step 7: overwrite=true → version silently set to the stored one
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\"}", "");
        HttpResponse<String> res = client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\",\"version\":17}", "\"overwrite\":true");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(TestClient.json(res).get("version").asInt()).isEqualTo(2);
    }

    @Test
    void postWithoutUidCreatesANewDashboardEveryTime() {
        // §1.3: no name-exists since 11.3
        JsonNode a = TestClient.json(client.saveDashboard("{\"title\":\"Same\"}", ""));
        JsonNode b = TestClient.json(client.saveDashboard("{\"title\":\"Same\"}", ""));
        assertThat(a.get("uid").asText()).isNotEqualTo(b.get("uid").asText()).matches("[a-z0-9]{14}");
        assertThat(b.get("id").asLong()).isEqualTo(a.get("id").asLong() + 1);
        assertThat(b.get("version").asInt()).isEqualTo(1);
        assertThat(grafana.dashboards()).hasSize(2);
    }

    @Test
    void emptyTitleIs400EmptyName() {
        // §1.3 step 6: title trimmed
        HttpResponse<String> res = client.saveDashboard("{\"uid\":\"u\",\"title\":\"   \"}", "");
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(res.body()).isEqualTo("{\"status\":\"empty-name\",\"message\":\"Dashboard title cannot be empty\"}");
    }

    @Test
    void illegalOrTooLongUidIs400() {
        // §1.3 step 6: ^[a-zA-Z0-9\-\_]*$, max 40
        HttpResponse<String> illegal = client.saveDashboard("{\"uid\":\"a/b\",\"title\":\"T\"}", "");
        assertThat(illegal.statusCode()).isEqualTo(400);
        assertThat(TestClient.json(illegal).get("message").asText()).isEqualTo("uid contains illegal characters");
        HttpResponse<String> tooLong = client.saveDashboard("{\"uid\":\"" + "a".repeat(41) + "\",\"title\":\"T\"}", "");
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(TestClient.json(tooLong).get("message").asText()).isEqualTo("uid too long, max 40 characters");
        assertThat(client.saveDashboard("{\"uid\":\"" + "a".repeat(40) + "\",\"title\":\"T\"}", "").statusCode()).isEqualTo(200);
    }

    @Test
    void tooLongMessageIs400() {
        // §1.3 step 6
        HttpResponse<String> res = client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\"}", "\"message\":\"" + "m".repeat(501) + "\"");
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(TestClient.json(res).get("message").asText()).isEqualTo("message too long, max 500 characters");
    }

    @Test
    void unknownFolderIs400FolderNotFound() {
        // §1.3 step 6
        HttpResponse<String> res = client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\"}", "\"folderUid\":\"nope\"");
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(res.body()).isEqualTo("{\"message\":\"folder not found\"}");
    }

    @Test
    void unknownIdIs404NotFound() {
        // §1.3 step 7
        HttpResponse<String> res = client.saveDashboard("{\"id\":999,\"title\":\"T\"}", "");
        assertThat(res.statusCode()).isEqualTo(404);
        assertThat(res.body()).isEqualTo("{\"status\":\"not-found\",\"message\":\"Dashboard not found\"}");
    }

    @Test
    void idAndUidOfDifferentDashboardsIs400() {
        // §1.3 step 7
        client.saveDashboard("{\"uid\":\"a\",\"title\":\"A\"}", "");
        client.saveDashboard("{\"uid\":\"b\",\"title\":\"B\"}", "");
        HttpResponse<String> res = client.saveDashboard("{\"id\":1,\"uid\":\"b\",\"title\":\"B\",\"version\":1}", "");
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(TestClient.json(res).get("message").asText()).isEqualTo("A dashboard with the same uid already exists");
    }

    @Test
    void idAloneAddressesTheStoredDashboard() {
        // §1.3 step 7: id found, uid adopted from the stored row
        client.saveDashboard("{\"uid\":\"a\",\"title\":\"A\"}", "");
        HttpResponse<String> res = client.saveDashboard("{\"id\":1,\"title\":\"A2\",\"version\":1}", "");
        assertThat(TestClient.json(res).get("uid").asText()).isEqualTo("a");
        assertThat(TestClient.json(res).get("version").asInt()).isEqualTo(2);
    }

    @Test
    void bindErrorsAndIsFolderAre400() {
        // §1.3 step 1
        HttpResponse<String> notJson = client.post("/api/dashboards/db", "{not json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(TestClient.json(notJson).get("message").asText()).isEqualTo("bad request data");
        assertThat(client.saveDashboard("{\"title\":\"T\"}", "\"overwrite\":\"yes\"").statusCode()).isEqualTo(400);
        HttpResponse<String> folder = client.saveDashboard("{\"title\":\"T\"}", "\"isFolder\":true");
        assertThat(folder.statusCode()).isEqualTo(400);
        assertThat(TestClient.json(folder).get("message").asText()).isEqualTo("Use folders endpoint for saving folders.");
    }

    @Test
    void versionWithoutIdOrUidIsIgnored() {
        // §1.3 step 2: version only honoured with id or uid present; a new dashboard is version 1
        JsonNode body = TestClient.json(client.saveDashboard("{\"title\":\"T\",\"version\":5}", ""));
        assertThat(body.get("version").asInt()).isEqualTo(1);
    }

    @Test
    void updateWithoutFolderMovesToRoot() {
        // §1.3: "if you do not define the folderId or the folderUid property, then the dashboard(s) are moved to the root level"
        grafana.putFolder("f", "F", "");
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\"}", "\"folderUid\":\"f\"");
        assertThat(grafana.dashboards().get("u").folderUid()).isEqualTo("f");
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\",\"version\":1}", "");
        assertThat(grafana.dashboards().get("u").folderUid()).isEmpty();
    }

    @Test
    void putDashboardActsLikeAUiSave() {
        // a save that bypasses the gateway: bumps version, records the user, keeps history
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\"}", "");
        ObjectNodeBuilder edit = new ObjectNodeBuilder().put("uid", "u").put("title", "Edited in UI");
        StoredDashboard saved = grafana.putDashboard(edit.node(), "", "ui edit", "alice");
        assertThat(saved.version()).isEqualTo(2);
        assertThat(saved.updatedBy()).isEqualTo("alice");
        assertThat(grafana.versions("u")).extracting(DashboardVersion::message).containsExactly("", "ui edit");
        assertThat(TestClient.json(client.get("/api/dashboards/uid/u")).at("/dashboard/title").asText()).isEqualTo("Edited in UI");
    }

    /** Tiny helper so tests need no Jackson imports for one-liners. */
    private static final class ObjectNodeBuilder {
        private final com.fasterxml.jackson.databind.node.ObjectNode node = TestClient.MAPPER.createObjectNode();

        ObjectNodeBuilder put(String field, String value) {
            node.put(field, value);
            return this;
        }

        com.fasterxml.jackson.databind.node.ObjectNode node() {
            return node;
        }
    }
}
