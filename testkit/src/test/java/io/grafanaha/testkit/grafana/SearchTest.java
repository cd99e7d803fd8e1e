package io.grafanaha.testkit.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GET /api/search, grafana-api.md §1.7. */
class SearchTest {
    private GrafanaEmulator grafana;
    private TestClient client;

    @BeforeEach
    void start() {
        grafana = GrafanaEmulator.start(GrafanaEmulator.options());
        client = new TestClient(grafana);
        grafana.putFolder("fa", "alpha folder", "");
        grafana.putFolder("fb", "Beta Folder", "");
        client.saveDashboard("{\"uid\":\"d1\",\"title\":\"zeta board\",\"tags\":[\"prod\"]}", "");
        client.saveDashboard("{\"uid\":\"d2\",\"title\":\"Alpha Board\",\"tags\":[\"prod\",\"db\"]}", "\"folderUid\":\"fa\"");
        client.saveDashboard("{\"uid\":\"d3\",\"title\":\"middle\"}", "\"folderUid\":\"fb\"");
    }

    @AfterEach
    void stop() {
        grafana.close();
    }

    private List<String> uids(String query) {
        List<String> uids = new ArrayList<>();
        TestClient.json(client.get("/api/search" + query)).forEach(h -> uids.add(h.get("uid").asText()));
        return uids;
    }

    @Test
    void foldersFirstThenCaseInsensitiveTitle() {
        // §1.7 default ordering
        assertThat(uids("")).containsExactly("fa", "fb", "d2", "d3", "d1");
    }

    @Test
    void filtersByTypeQueryTagAndUids() {
        // §1.7 params
        assertThat(uids("?type=dash-folder")).containsExactly("fa", "fb");
        assertThat(uids("?type=dash-db")).containsExactly("d2", "d3", "d1");
        assertThat(uids("?query=ALPHA")).containsExactly("fa", "d2");
        assertThat(uids("?tag=prod&tag=db")).containsExactly("d2");
        assertThat(uids("?dashboardUIDs=d1&dashboardUIDs=d3")).containsExactly("d3", "d1");
        assertThat(uids("?folderUIDs=fa,fb&type=dash-db")).containsExactly("d2", "d3");
        assertThat(uids("?folderUIDs=fa&folderUIDs=fb&type=dash-db")).containsExactly("d2", "d3");
    }

    @Test
    void pagesWithLimit() {
        // §1.7: page is 1-based, limit is the page size
        assertThat(uids("?limit=2&page=1")).containsExactly("fa", "fb");
        assertThat(uids("?limit=2&page=2")).containsExactly("d2", "d3");
        assertThat(uids("?limit=2&page=3")).containsExactly("d1");
        assertThat(uids("?limit=2&page=4")).isEmpty();
    }

    @Test
    void hitsHaveTheModelHitShapeAndOmitFolderFieldsAtRoot() {
        // §1.7: folderId/folderUid/folderTitle/folderUrl omitempty
        JsonNode hits = TestClient.json(client.get("/api/search?type=dash-db"));
        JsonNode inFolder = hits.get(0);
        assertThat(inFolder.get("type").asText()).isEqualTo("dash-db");
        assertThat(inFolder.get("url").asText()).isEqualTo("/d/d2/alpha-board");
        assertThat(inFolder.get("uri").asText()).isEqualTo("db/alpha-board");
        assertThat(inFolder.get("folderUid").asText()).isEqualTo("fa");
        assertThat(inFolder.get("folderTitle").asText()).isEqualTo("alpha folder");
        assertThat(inFolder.get("folderUrl").asText()).isEqualTo("/dashboards/f/fa/alpha-folder");
        assertThat(inFolder.has("isStarred")).isTrue();
        assertThat(inFolder.has("sortMeta")).isTrue();
        JsonNode atRoot = hits.get(2);
        assertThat(atRoot.get("uid").asText()).isEqualTo("d1");
        assertThat(atRoot.has("folderUid")).isFalse();
        assertThat(atRoot.has("folderId")).isFalse();
        JsonNode folder = TestClient.json(client.get("/api/search?type=dash-folder")).get(0);
        assertThat(folder.get("type").asText()).isEqualTo("dash-folder");
        assertThat(folder.get("url").asText()).isEqualTo("/dashboards/f/fa/alpha-folder");
    }
}
