package io.grafanaha.testkit.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Grafana 12's /apis/dashboard.grafana.app dashboard resource API, over the legacy API's store (RESOURCE-API.md). */
class DashboardResourceApiTest {
    private static final String DASHBOARDS = "/apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards";

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

    private static String resource(String name, String resourceVersion, String title) {
        return "{\"apiVersion\":\"dashboard.grafana.app/v1beta1\",\"kind\":\"Dashboard\",\"metadata\":{\"name\":\"" + name + "\""
                + (resourceVersion == null ? "" : ",\"resourceVersion\":\"" + resourceVersion + "\"")
                + ",\"annotations\":{\"grafana.app/message\":\"edited\"}},\"spec\":{\"title\":\"" + title + "\"}}";
    }

    @Test
    void createAnswers201WithResourceVersionGenerationAndInternalIdLabel() {
        HttpResponse<String> res = client.post(DASHBOARDS, resource("res-1", null, "Created"));
        assertThat(res.statusCode()).isEqualTo(201);
        JsonNode body = TestClient.json(res);
        assertThat(body.path("kind").asText()).isEqualTo("Dashboard");
        assertThat(body.path("metadata").path("name").asText()).isEqualTo("res-1");
        assertThat(body.path("metadata").path("resourceVersion").asText()).isNotEmpty();
        assertThat(body.path("metadata").path("generation").asInt()).isEqualTo(1);
        long id = grafana.dashboard("res-1").orElseThrow().id();
        assertThat(body.path("metadata").path("labels").path("grafana.app/deprecatedInternalID").asText())
                .isEqualTo(Long.toString(id));
        assertThat(body.path("spec").has("id")).isFalse();
        JsonNode dto = TestClient.json(client.get(DASHBOARDS + "/res-1/dto"));
        assertThat(dto.path("metadata").path("resourceVersion").asText()).isEqualTo(body.path("metadata").path("resourceVersion").asText());
        assertThat(dto.path("access").path("canSave").asBoolean()).isTrue();
    }

    @Test
    void aSaveThroughEitherApiIsSeenThroughTheOtherAndCountsOneVersion() {
        client.saveDashboard("{\"uid\":\"both\",\"title\":\"Legacy\"}", "");
        JsonNode read = TestClient.json(client.get(DASHBOARDS + "/both"));
        assertThat(read.path("spec").path("title").asText()).isEqualTo("Legacy");
        String rv = read.path("metadata").path("resourceVersion").asText();

        HttpResponse<String> put = client.put(DASHBOARDS + "/both", resource("both", rv, "Resource"));
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(TestClient.json(put).path("metadata").path("generation").asInt()).isEqualTo(2);

        JsonNode legacy = TestClient.json(client.get("/api/dashboards/uid/both"));
        assertThat(legacy.path("dashboard").path("title").asText()).isEqualTo("Resource");
        assertThat(legacy.path("dashboard").path("version").asInt()).isEqualTo(2);
        assertThat(grafana.versions("both")).hasSize(2);
        assertThat(grafana.versions("both").get(1).message()).isEqualTo("edited");
    }

    @Test
    void aPutOverAStaleResourceVersionIs409ConflictAsAKubernetesStatus() {
        client.post(DASHBOARDS, resource("c", null, "One"));
        String stale = TestClient.json(client.get(DASHBOARDS + "/c")).path("metadata").path("resourceVersion").asText();
        client.saveDashboard("{\"uid\":\"c\",\"title\":\"Two\",\"version\":1}", "");

        HttpResponse<String> res = client.put(DASHBOARDS + "/c", resource("c", stale, "Three"));

        assertThat(res.statusCode()).isEqualTo(409);
        JsonNode status = TestClient.json(res);
        assertThat(status.path("kind").asText()).isEqualTo("Status");
        assertThat(status.path("apiVersion").asText()).isEqualTo("v1");
        assertThat(status.path("status").asText()).isEqualTo("Failure");
        assertThat(status.path("reason").asText()).isEqualTo("Conflict");
        assertThat(status.path("code").asInt()).isEqualTo(409);
        assertThat(grafana.dashboard("c").orElseThrow().title()).isEqualTo("Two");
    }

    @Test
    void aPostOfAnExistingNameIs409AlreadyExists() {
        client.saveDashboard("{\"uid\":\"taken\",\"title\":\"T\"}", "");
        HttpResponse<String> res = client.post(DASHBOARDS, resource("taken", null, "Again"));
        assertThat(res.statusCode()).isEqualTo(409);
        assertThat(TestClient.json(res).path("reason").asText()).isEqualTo("AlreadyExists");
    }

    @Test
    void generateNameGivesANewUidAndTheFolderAnnotationPlacesIt() {
        grafana.putFolder("fold", "Team", "");
        HttpResponse<String> res = client.post("/apis/dashboard.grafana.app/v1/namespaces/default/dashboards",
                "{\"metadata\":{\"generateName\":\"d\",\"annotations\":{\"grafana.app/folder\":\"fold\"}},\"spec\":{\"title\":\"G\"}}");
        assertThat(res.statusCode()).isEqualTo(201);
        String name = TestClient.json(res).path("metadata").path("name").asText();
        assertThat(name).startsWith("d").hasSize(6);
        assertThat(grafana.dashboard(name).orElseThrow().folderUid()).isEqualTo("fold");
    }

    @Test
    void deleteRemovesItForTheLegacyApiToo() {
        client.post(DASHBOARDS, resource("gone", null, "G"));
        assertThat(client.delete(DASHBOARDS + "/gone").statusCode()).isEqualTo(200);
        assertThat(client.get("/api/dashboards/uid/gone").statusCode()).isEqualTo(404);
        assertThat(TestClient.json(client.get(DASHBOARDS + "/gone")).path("reason").asText()).isEqualTo("NotFound");
    }

    @Test
    void withoutCredentialsItIs401() {
        assertThat(client.send(client.request(DASHBOARDS + "/x").GET()).statusCode()).isEqualTo(401);
    }

    @Test
    void theListPagesByLimitAndContinueAndHandsEveryDashboardOutOnceInIdOrder() {
        for (int i = 0; i < 5; i++) {
            client.saveDashboard("{\"uid\":\"page-" + i + "\",\"title\":\"P" + i + "\"}", "");
        }
        List<String> names = new ArrayList<>();
        String next = "";
        int pages = 0;
        do {
            JsonNode page = TestClient.json(client.get(DASHBOARDS + "?limit=2" + (next.isEmpty() ? "" : "&continue="
                    + URLEncoder.encode(next, StandardCharsets.UTF_8))));
            assertThat(page.path("kind").asText()).isEqualTo("DashboardList");
            assertThat(page.path("items").size()).isLessThanOrEqualTo(2);
            page.path("items").forEach(item -> names.add(item.path("metadata").path("name").asText()));
            next = page.path("metadata").path("continue").asText("");
            pages++;
        } while (!next.isEmpty());
        assertThat(pages).isEqualTo(3);
        assertThat(names).containsExactly("page-0", "page-1", "page-2", "page-3", "page-4");
        assertThat(client.get(DASHBOARDS + "?limit=2&continue=bogus").statusCode()).isEqualTo(400);
    }

    @Test
    void askedForPartialObjectMetadataTheListCarriesMetadataOnlyWithTheVersionAsGeneration() {
        client.saveDashboard("{\"uid\":\"meta\",\"title\":\"M\"}", "");
        client.saveDashboard("{\"uid\":\"meta\",\"title\":\"M2\"}", "\"overwrite\":true");
        HttpResponse<String> res = client.send(client.authed(DASHBOARDS).header("Accept",
                "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json").GET());
        JsonNode body = TestClient.json(res);
        assertThat(body.path("kind").asText()).isEqualTo("PartialObjectMetadataList");
        JsonNode item = body.path("items").path(0);
        assertThat(item.path("kind").asText()).isEqualTo("PartialObjectMetadata");
        assertThat(item.has("spec")).isFalse();
        StoredDashboard stored = grafana.dashboard("meta").orElseThrow();
        assertThat(item.path("metadata").path("generation").asInt()).isEqualTo(2).isEqualTo(stored.version());
        assertThat(item.path("metadata").path("resourceVersion").asText())
                .isEqualTo(Long.toString(stored.id() * 10_000_000L + 2));
        assertThat(TestClient.json(client.get(DASHBOARDS)).path("items").path(0).path("spec").path("title").asText())
                .isEqualTo("M2");
    }
}
