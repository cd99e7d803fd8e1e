package io.grafanaha.testkit.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /api/folders with nested folders, grafana-api.md §1.8. */
class FolderTest {
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

    private HttpResponse<String> create(String uid, String title, String parentUid) {
        return client.post("/api/folders", "{\"uid\":\"" + uid + "\",\"title\":\"" + title + "\""
                + (parentUid == null ? "" : ",\"parentUid\":\"" + parentUid + "\"") + "}");
    }

    @Test
    void createAndGetNestedFolderWithParents() {
        // §1.8: GET /api/folders/:uid adds parentUid and parents (root → parent) when nested
        JsonNode top = TestClient.json(create("top", "Top", null));
        assertThat(top.get("version").asInt()).isEqualTo(1);
        assertThat(top.get("url").asText()).isEqualTo("/dashboards/f/top/top");
        assertThat(top.has("parentUid")).isFalse();
        create("mid", "Mid", "top");
        create("leaf", "Leaf", "mid");
        JsonNode leaf = TestClient.json(client.get("/api/folders/leaf"));
        assertThat(leaf.get("parentUid").asText()).isEqualTo("mid");
        assertThat(leaf.get("parents")).extracting(p -> p.get("uid").asText()).containsExactly("top", "mid");
        assertThat(leaf.get("createdBy").asText()).isEqualTo("sa-gateway");
    }

    @Test
    void createWithoutUidGeneratesOne() {
        JsonNode folder = TestClient.json(client.post("/api/folders", "{\"title\":\"No uid\"}"));
        assertThat(folder.get("uid").asText()).matches("[a-z0-9]{14}");
    }

    @Test
    void listShowsChildrenOfRootOrOfParentUid() {
        // §1.8: parentUid lists immediate children, root when absent; limit/page
        create("b", "B", null);
        create("a", "A", null);
        create("c", "C", "a");
        JsonNode root = TestClient.json(client.get("/api/folders"));
        assertThat(root).extracting(f -> f.get("uid").asText()).containsExactly("a", "b");
        JsonNode children = TestClient.json(client.get("/api/folders?parentUid=a"));
        assertThat(children).extracting(f -> f.get("uid").asText()).containsExactly("c");
        assertThat(TestClient.json(client.get("/api/folders?limit=1&page=2"))).extracting(f -> f.get("uid").asText())
                .containsExactly("b");
    }

    @Test
    void duplicateUidIs409AcrossFoldersAndDashboards() {
        // §1.8: folders share the uid namespace with dashboards
        create("x", "X", null);
        HttpResponse<String> again = create("x", "X2", null);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(TestClient.json(again).get("message").asText()).isEqualTo("a folder/dashboard with the same uid already exists");
        client.saveDashboard("{\"uid\":\"dash\",\"title\":\"D\"}", "");
        assertThat(create("dash", "D", null).statusCode()).isEqualTo(409);
    }

    @Test
    void unknownParentOrFolderIs404NotFound() {
        // §1.8: not found → 404 {"status":"not-found","message":"folder not found"}
        HttpResponse<String> res = create("x", "X", "ghost");
        assertThat(res.statusCode()).isEqualTo(404);
        assertThat(res.body()).isEqualTo("{\"status\":\"not-found\",\"message\":\"folder not found\"}");
        assertThat(client.get("/api/folders/ghost").statusCode()).isEqualTo(404);
    }

    @Test
    void updateChecksVersionUnlessOverwrite() {
        // §1.8: 412 version-mismatch with the lower-case code message; version + 1 on success
        create("x", "X", null);
        HttpResponse<String> ok = client.put("/api/folders/x", "{\"title\":\"X2\",\"version\":1}");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(TestClient.json(ok).get("version").asInt()).isEqualTo(2);
        HttpResponse<String> stale = client.put("/api/folders/x", "{\"title\":\"X3\",\"version\":1}");
        assertThat(stale.statusCode()).isEqualTo(412);
        assertThat(stale.body()).isEqualTo("{\"status\":\"version-mismatch\",\"message\":\"the folder has been changed by someone else\"}");
        HttpResponse<String> forced = client.put("/api/folders/x", "{\"title\":\"X3\",\"overwrite\":true}");
        assertThat(TestClient.json(forced).get("version").asInt()).isEqualTo(3);
        assertThat(grafana.folders().get("x").title()).isEqualTo("X3");
    }

    @Test
    void deleteCascadesToSubFoldersAndDashboards() {
        // §1.8: deletes contained dashboards (and, nested, sub-folders)
        JsonNode top = TestClient.json(create("top", "Top", null));
        create("sub", "Sub", "top");
        create("other", "Other", null);
        client.saveDashboard("{\"uid\":\"d-top\",\"title\":\"T\"}", "\"folderUid\":\"top\"");
        client.saveDashboard("{\"uid\":\"d-sub\",\"title\":\"S\"}", "\"folderUid\":\"sub\"");
        client.saveDashboard("{\"uid\":\"d-other\",\"title\":\"O\"}", "\"folderUid\":\"other\"");
        HttpResponse<String> res = client.delete("/api/folders/top");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(TestClient.json(res).get("message").asText()).isEqualTo("Folder deleted");
        assertThat(TestClient.json(res).get("id").asLong()).isEqualTo(top.get("id").asLong());
        assertThat(grafana.folders()).containsOnlyKeys("other");
        assertThat(grafana.dashboards()).containsOnlyKeys("d-other");
    }

    @Test
    void moveChangesTheParentAndRefusesCycles() {
        // §1.8: POST /api/folders/:uid/move {"parentUid"}; empty = root
        create("a", "A", null);
        create("b", "B", "a");
        create("c", "C", null);
        assertThat(client.post("/api/folders/b/move", "{\"parentUid\":\"c\"}").statusCode()).isEqualTo(200);
        assertThat(grafana.folders().get("b").parentUid()).isEqualTo("c");
        assertThat(client.post("/api/folders/c/move", "{\"parentUid\":\"b\"}").statusCode()).isEqualTo(400);
        assertThat(client.post("/api/folders/b/move", "{\"parentUid\":\"\"}").statusCode()).isEqualTo(200);
        assertThat(grafana.folders().get("b").parentUid()).isEmpty();
    }
}
