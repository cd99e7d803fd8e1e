package io.grafanaha.testkit.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The alerting provisioning API: codes, bodies, provenance (testkit/docs/alerting-and-datasources.md). */
class AlertingProvisioningTest {
    private static final String RULE = "{\"uid\":\"%s\",\"title\":\"%s\",\"condition\":\"A\",\"for\":\"5m\","
            + "\"data\":[{\"refId\":\"A\",\"relativeTimeRange\":{\"from\":600,\"to\":0},\"datasourceUid\":\"prom\","
            + "\"model\":{\"expr\":\"up == 0\"}}],\"noDataState\":\"NoData\",\"execErrState\":\"Error\"}";

    private GrafanaEmulator grafana;
    private TestClient client;

    @BeforeEach
    void start() {
        grafana = GrafanaEmulator.start(GrafanaEmulator.options());
        grafana.putFolder("alerts", "Alerts", "");
        client = new TestClient(grafana);
    }

    @AfterEach
    void stop() {
        grafana.close();
    }

    private HttpResponse<String> putGroup(String body, boolean disableProvenance) {
        HttpRequest.Builder b = client.authed("/api/v1/provisioning/folder/alerts/rule-groups/team")
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body));
        if (disableProvenance) {
            b.header("X-Disable-Provenance", "true");
        }
        return client.send(b);
    }

    @Test
    void ruleGroupPutReplacesTheGroupAndReadsBack() {
        HttpResponse<String> put = putGroup("{\"interval\":60,\"rules\":[" + RULE.formatted("r1", "Down") + ","
                + RULE.formatted("r2", "Slow") + "]}", false);
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(TestClient.json(put).path("folderUid").asText()).isEqualTo("alerts");

        putGroup("{\"interval\":120,\"rules\":[" + RULE.formatted("r1", "Down!") + "]}", false);
        JsonNode group = TestClient.json(client.get("/api/v1/provisioning/folder/alerts/rule-groups/team"));
        assertThat(group.path("interval").asInt()).isEqualTo(120);
        assertThat(group.path("rules")).hasSize(1);
        assertThat(group.path("rules").get(0).path("title").asText()).isEqualTo("Down!");
        assertThat(group.path("rules").get(0).path("provenance").asText()).isEqualTo("api");
        assertThat(client.get("/api/v1/provisioning/alert-rules/r2").statusCode()).isEqualTo(404);
    }

    @Test
    void ruleInAMissingFolderIsRefusedWith400() {
        HttpResponse<String> r = client.post("/api/v1/provisioning/alert-rules", RULE.formatted("r1", "Down")
                .replace("{\"uid\"", "{\"folderUID\":\"nope\",\"ruleGroup\":\"g\",\"uid\""));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(TestClient.json(r).path("message").asText()).contains("folder");
    }

    @Test
    void ruleCreatedByPostIs201AndDeleteIs204() {
        HttpResponse<String> r = client.post("/api/v1/provisioning/alert-rules", RULE.formatted("r1", "Down")
                .replace("{\"uid\"", "{\"folderUID\":\"alerts\",\"ruleGroup\":\"g\",\"uid\""));
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(client.delete("/api/v1/provisioning/alert-rules/r1").statusCode()).isEqualTo(204);
        assertThat(client.get("/api/v1/provisioning/alert-rules").body()).isEqualTo("[]");
    }

    @Test
    void aProvisionedGroupCannotBeTakenOverWithoutProvenance() {
        putGroup("{\"interval\":60,\"rules\":[" + RULE.formatted("r1", "Down") + "]}", false);
        HttpResponse<String> ui = putGroup("{\"interval\":60,\"rules\":[" + RULE.formatted("r1", "Edited") + "]}",
                true);
        assertThat(ui.statusCode()).isEqualTo(400);
        assertThat(TestClient.json(ui).path("message").asText()).contains("cannot change provenance from 'api'");
    }

    @Test
    void groupWrittenWithDisableProvenanceStaysEditable() {
        putGroup("{\"interval\":60,\"rules\":[" + RULE.formatted("r1", "Down") + "]}", true);
        assertThat(grafana.resources().alertRules().get("r1").path("provenance").asText()).isEmpty();
        assertThat(putGroup("{\"interval\":60,\"rules\":[" + RULE.formatted("r1", "Edited") + "]}", true)
                .statusCode()).isEqualTo(200);
    }

    @Test
    void groupExportIsTheFileProvisioningFormat() {
        putGroup("{\"interval\":90,\"rules\":[" + RULE.formatted("r1", "Down") + "]}", false);
        JsonNode export = TestClient.json(
                client.get("/api/v1/provisioning/folder/alerts/rule-groups/team/export?format=json"));
        assertThat(export.path("apiVersion").asInt()).isEqualTo(1);
        JsonNode g = export.path("groups").get(0);
        assertThat(g.path("folder").asText()).isEqualTo("Alerts");
        assertThat(g.path("interval").asText()).isEqualTo("1m30s");
        assertThat(g.path("rules").get(0).path("for").asText()).isEqualTo("5m");
        assertThat(g.path("rules").get(0).has("provenance")).isFalse();
        assertThat(client.get("/api/v1/provisioning/folder/alerts/rule-groups/team/export").body())
                .contains("apiVersion: 1");
    }

    @Test
    void badIntervalIsRefused() {
        assertThat(putGroup("{\"interval\":15,\"rules\":[]}", false).statusCode()).isEqualTo(400);
    }

    @Test
    void contactPointSecretsAreRedactedAndKeptOnUpdate() {
        HttpResponse<String> created = client.post("/api/v1/provisioning/contact-points",
                "{\"uid\":\"cp1\",\"name\":\"ops\",\"type\":\"slack\",\"settings\":{\"url\":\"https://hooks/secret\","
                        + "\"recipient\":\"#ops\"}}");
        assertThat(created.statusCode()).isEqualTo(202);
        JsonNode listed = TestClient.json(client.get("/api/v1/provisioning/contact-points?name=ops")).get(0);
        assertThat(listed.path("settings").path("url").asText()).isEqualTo("[REDACTED]");

        HttpResponse<String> updated = client.put("/api/v1/provisioning/contact-points/cp1",
                "{\"name\":\"ops\",\"type\":\"slack\",\"settings\":{\"url\":\"[REDACTED]\",\"recipient\":\"#ops2\"}}");
        assertThat(updated.statusCode()).isEqualTo(202);
        assertThat(TestClient.json(updated).path("message").asText()).isEqualTo("contactpoint updated");
        assertThat(grafana.resources().contactPoints().get("cp1").path("settings").path("url").asText())
                .isEqualTo("https://hooks/secret");
        assertThat(client.put("/api/v1/provisioning/contact-points/nope", "{\"name\":\"x\",\"type\":\"email\","
                + "\"settings\":{\"addresses\":\"a@b\"}}").statusCode()).isEqualTo(404);
    }

    @Test
    void policiesMustNameExistingContactPointsAndProtectThem() {
        assertThat(client.put("/api/v1/provisioning/policies", "{\"receiver\":\"ops\"}").statusCode()).isEqualTo(400);
        client.post("/api/v1/provisioning/contact-points",
                "{\"uid\":\"cp1\",\"name\":\"ops\",\"type\":\"email\",\"settings\":{\"addresses\":\"a@b\"}}");
        HttpResponse<String> put = client.put("/api/v1/provisioning/policies", "{\"receiver\":\"ops\"}");
        assertThat(put.statusCode()).isEqualTo(202);
        assertThat(TestClient.json(client.get("/api/v1/provisioning/policies")).path("receiver").asText())
                .isEqualTo("ops");
        HttpResponse<String> inUse = client.delete("/api/v1/provisioning/contact-points/cp1");
        assertThat(inUse.statusCode()).isEqualTo(409);
        assertThat(TestClient.json(inUse).path("messageId").asText())
                .isEqualTo("alerting.notifications.contact-points.referenced");
        assertThat(client.delete("/api/v1/provisioning/policies").statusCode()).isEqualTo(202);
        assertThat(client.delete("/api/v1/provisioning/contact-points/cp1").statusCode()).isEqualTo(202);
    }

    @Test
    void renamingTheLastContactPointOfANameRenamesItInEveryRouteAndThePutReplacesTheWholeTree() {
        client.post("/api/v1/provisioning/contact-points",
                "{\"uid\":\"cp1\",\"name\":\"ops\",\"type\":\"email\",\"settings\":{\"addresses\":\"a@b\"}}");
        client.post("/api/v1/provisioning/contact-points",
                "{\"uid\":\"cp2\",\"name\":\"dev\",\"type\":\"email\",\"settings\":{\"addresses\":\"c@d\"}}");
        assertThat(client.put("/api/v1/provisioning/policies", "{\"receiver\":\"dev\",\"routes\":[{\"receiver\":"
                + "\"ops\",\"object_matchers\":[[\"team\",\"=\",\"ops\"]]}]}").statusCode()).isEqualTo(202);

        assertThat(client.put("/api/v1/provisioning/contact-points/cp1", "{\"name\":\"ops-team\",\"type\":\"email\","
                + "\"settings\":{\"addresses\":\"a@b\"}}").statusCode()).isEqualTo(202);

        JsonNode tree = TestClient.json(client.get("/api/v1/provisioning/policies"));
        assertThat(tree.path("routes").get(0).path("receiver").asText()).isEqualTo("ops-team");
        assertThat(tree.path("receiver").asText()).isEqualTo("dev");
        assertThat(client.put("/api/v1/provisioning/policies", "{\"receiver\":\"ops-team\"}").statusCode())
                .isEqualTo(202);
        assertThat(TestClient.json(client.get("/api/v1/provisioning/policies")).has("routes"))
                .as("a PUT replaces the whole tree").isFalse();
    }

    @Test
    void templatesAndMuteTimingsFollowGrafanasCodes() {
        assertThat(client.put("/api/v1/provisioning/templates/t1", "{\"template\":\"{{ define \\\"t1\\\" }}x{{ end }}\"}")
                .statusCode()).isEqualTo(202);
        assertThat(client.get("/api/v1/provisioning/templates/t1").statusCode()).isEqualTo(200);
        assertThat(client.get("/api/v1/provisioning/templates/t2").statusCode()).isEqualTo(404);
        assertThat(client.delete("/api/v1/provisioning/templates/t1").statusCode()).isEqualTo(204);

        String weekend = "{\"name\":\"weekend\",\"time_intervals\":[{\"weekdays\":[\"saturday\",\"sunday\"]}]}";
        assertThat(client.post("/api/v1/provisioning/mute-timings", weekend).statusCode()).isEqualTo(201);
        assertThat(client.post("/api/v1/provisioning/mute-timings", weekend).statusCode()).isEqualTo(409);
        assertThat(client.put("/api/v1/provisioning/mute-timings/weekend", weekend).statusCode()).isEqualTo(202);
        assertThat(client.put("/api/v1/provisioning/mute-timings/nope", weekend).statusCode()).isEqualTo(404);
        assertThat(client.delete("/api/v1/provisioning/mute-timings/weekend").statusCode()).isEqualTo(204);
    }
}
