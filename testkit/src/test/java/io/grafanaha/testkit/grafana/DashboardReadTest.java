package io.grafanaha.testkit.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** GET/DELETE /api/dashboards/uid/:uid and the versions endpoints, grafana-api.md §1.4–§1.6. */
class DashboardReadTest {
    private static final Clock FIXED = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

    private GrafanaEmulator grafana;
    private TestClient client;

    private void start(EmulatorOptions options) {
        grafana = GrafanaEmulator.start(options.clock(FIXED));
        client = new TestClient(grafana);
    }

    @AfterEach
    void stop() {
        grafana.close();
    }

    @Test
    void getReturnsStoredIdUidVersionAndMeta() {
        // §1.4: dashboard id/uid/version rewritten to stored; meta fields; folderTitle "General" at root
        start(GrafanaEmulator.options());
        client.saveDashboard("{\"id\":null,\"uid\":\"u\",\"title\":\"Prod Overview\",\"version\":42,\"panels\":[]}", "");
        HttpResponse<String> res = client.get("/api/dashboards/uid/u");
        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode body = TestClient.json(res);
        assertThat(body.at("/dashboard/id").asLong()).isEqualTo(1);
        assertThat(body.at("/dashboard/uid").asText()).isEqualTo("u");
        assertThat(body.at("/dashboard/version").asInt()).isEqualTo(1);
        assertThat(body.at("/dashboard/panels").isArray()).isTrue();
        JsonNode meta = body.get("meta");
        assertThat(meta.get("type").asText()).isEqualTo("db");
        assertThat(meta.get("canSave").asBoolean()).isTrue();
        assertThat(meta.get("slug").asText()).isEqualTo("prod-overview");
        assertThat(meta.get("url").asText()).isEqualTo("/d/u/prod-overview");
        assertThat(meta.get("created").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(meta.get("updated").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(meta.get("createdBy").asText()).isEqualTo("sa-gateway");
        assertThat(meta.get("updatedBy").asText()).isEqualTo("sa-gateway");
        assertThat(meta.get("version").asInt()).isEqualTo(1);
        assertThat(meta.get("folderId").asLong()).isZero();
        assertThat(meta.get("folderUid").asText()).isEmpty();
        assertThat(meta.get("folderTitle").asText()).isEqualTo("General");
        assertThat(meta.get("provisioned").asBoolean()).isFalse();
    }

    @Test
    void getInAFolderNamesTheFolder() {
        // §1.4: folderId/folderUid/folderTitle/folderUrl
        start(GrafanaEmulator.options());
        StoredFolder folder = grafana.putFolder("ops", "Ops Team", "");
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\"}", "\"folderUid\":\"ops\"");
        JsonNode meta = TestClient.json(client.get("/api/dashboards/uid/u")).get("meta");
        assertThat(meta.get("folderId").asLong()).isEqualTo(folder.id());
        assertThat(meta.get("folderUid").asText()).isEqualTo("ops");
        assertThat(meta.get("folderTitle").asText()).isEqualTo("Ops Team");
        assertThat(meta.get("folderUrl").asText()).isEqualTo("/dashboards/f/ops/ops-team");
    }

    @Test
    void missingDashboardIs404() {
        // §1.4: 404 {"message":"Dashboard not found","traceID":...}
        start(GrafanaEmulator.options());
        HttpResponse<String> res = client.get("/api/dashboards/uid/nope");
        assertThat(res.statusCode()).isEqualTo(404);
        assertThat(TestClient.json(res).get("message").asText()).isEqualTo("Dashboard not found");
    }

    @Test
    void deleteAnswersTitleMessageUidAndRemovesIt() {
        // §1.5
        start(GrafanaEmulator.options());
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"Doomed\"}", "");
        HttpResponse<String> res = client.delete("/api/dashboards/uid/u");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("{\"title\":\"Doomed\",\"message\":\"Dashboard Doomed deleted\",\"uid\":\"u\"}");
        assertThat(client.get("/api/dashboards/uid/u").statusCode()).isEqualTo(404);
        assertThat(client.delete("/api/dashboards/uid/u").statusCode()).isEqualTo(404);
    }

    @Test
    void versionsListNewestFirstInTheWrapper() {
        // §1.6: {continueToken, versions} from 11.6/12; version 1 rendered "Initial save"
        start(GrafanaEmulator.options());
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\"}", "");
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\",\"version\":1}", "\"message\":\"second\"");
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\",\"version\":2}", "\"message\":\"third\"");
        JsonNode body = TestClient.json(client.get("/api/dashboards/uid/u/versions"));
        assertThat(body.get("continueToken").asText()).isEmpty();
        JsonNode versions = body.get("versions");
        assertThat(versions).hasSize(3);
        assertThat(versions.get(0).get("version").asInt()).isEqualTo(3);
        assertThat(versions.get(0).get("parentVersion").asInt()).isEqualTo(2);
        assertThat(versions.get(0).get("message").asText()).isEqualTo("third");
        assertThat(versions.get(0).get("createdBy").asText()).isEqualTo("sa-gateway");
        assertThat(versions.get(0).get("uid").asText()).isEqualTo("u");
        assertThat(versions.get(2).get("message").asText()).isEqualTo("Initial save");
        JsonNode paged = TestClient.json(client.get("/api/dashboards/uid/u/versions?limit=1&start=1")).get("versions");
        assertThat(paged).hasSize(1);
        assertThat(paged.get(0).get("version").asInt()).isEqualTo(2);
    }

    @Test
    void legacyOptionReturnsABareArray() {
        // §1.6: bare array up to 11.4
        start(GrafanaEmulator.options().legacyVersionsArray(true));
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"T\"}", "");
        JsonNode body = TestClient.json(client.get("/api/dashboards/uid/u/versions"));
        assertThat(body.isArray()).isTrue();
        assertThat(body.get(0).get("version").asInt()).isEqualTo(1);
    }

    @Test
    void singleVersionCarriesTheDashboardData() {
        // §1.6: /versions/:version has data = full dashboard JSON
        start(GrafanaEmulator.options());
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"First\"}", "");
        client.saveDashboard("{\"uid\":\"u\",\"title\":\"Second\",\"version\":1}", "");
        JsonNode v1 = TestClient.json(client.get("/api/dashboards/uid/u/versions/1"));
        assertThat(v1.get("version").asInt()).isEqualTo(1);
        assertThat(v1.at("/data/title").asText()).isEqualTo("First");
        assertThat(v1.at("/data/version").asInt()).isEqualTo(1);
        assertThat(client.get("/api/dashboards/uid/u/versions/9").statusCode()).isEqualTo(404);
    }
}
