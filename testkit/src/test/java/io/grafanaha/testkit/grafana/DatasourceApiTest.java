package io.grafanaha.testkit.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /api/datasources by uid; secure fields are write-only (testkit/docs/alerting-and-datasources.md). */
class DatasourceApiTest {
    private static final String PROM = "{\"uid\":\"prom\",\"name\":\"Prometheus\",\"type\":\"prometheus\","
            + "\"url\":\"http://prom:9090\",\"access\":\"proxy\",\"basicAuth\":true,\"basicAuthUser\":\"u\","
            + "\"secureJsonData\":{\"basicAuthPassword\":\"s3cret\"}}";

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
    void createdDataSourceNeverShowsItsSecrets() {
        HttpResponse<String> created = client.post("/api/datasources", PROM);
        assertThat(created.statusCode()).isEqualTo(200);
        assertThat(TestClient.json(created).path("message").asText()).isEqualTo("Datasource added");
        JsonNode read = TestClient.json(client.get("/api/datasources/uid/prom"));
        assertThat(read.path("secureJsonFields").path("basicAuthPassword").asBoolean()).isTrue();
        assertThat(read.has("secureJsonData")).isFalse();
        assertThat(client.get("/api/datasources").body()).doesNotContain("s3cret");
        assertThat(grafana.resources().datasourceSecrets().get("prom").path("basicAuthPassword").asText())
                .isEqualTo("s3cret");
    }

    @Test
    void sameNameOrUidIsAConflict() {
        client.post("/api/datasources", PROM);
        HttpResponse<String> again = client.post("/api/datasources", PROM);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(TestClient.json(again).path("message").asText())
                .isEqualTo("data source with the same name already exists");
        assertThat(client.post("/api/datasources", PROM.replace("\"Prometheus\"", "\"Other\"")).statusCode())
                .isEqualTo(409);
    }

    @Test
    void updateByUidBumpsVersionAndKeepsUnsentSecrets() {
        client.post("/api/datasources", PROM);
        HttpResponse<String> updated = client.put("/api/datasources/uid/prom",
                "{\"name\":\"Prometheus\",\"type\":\"prometheus\",\"url\":\"http://prom2:9090\"}");
        assertThat(updated.statusCode()).isEqualTo(200);
        assertThat(TestClient.json(updated).path("message").asText()).isEqualTo("Datasource updated");
        JsonNode read = TestClient.json(client.get("/api/datasources/uid/prom"));
        assertThat(read.path("version").asInt()).isEqualTo(2);
        assertThat(read.path("url").asText()).isEqualTo("http://prom2:9090");
        assertThat(read.path("secureJsonFields").path("basicAuthPassword").asBoolean()).isTrue();
    }

    @Test
    void missingDataSourceIs404WithGrafanasMessage() {
        HttpResponse<String> r = client.get("/api/datasources/uid/nope");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(TestClient.json(r).path("message").asText()).isEqualTo("Data source not found");
        assertThat(client.delete("/api/datasources/uid/nope").statusCode()).isEqualTo(404);
        client.post("/api/datasources", PROM);
        assertThat(client.delete("/api/datasources/uid/prom").statusCode()).isEqualTo(200);
    }
}
