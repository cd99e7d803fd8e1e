package io.grafanaha.testkit.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthAndAuthTest {
    private GrafanaEmulator grafana;
    private TestClient client;

    @BeforeEach
    void start() {
        grafana = GrafanaEmulator.start(GrafanaEmulator.options().token("glsa_test_token").name("grafana-a").version("12.1.0").commit("abc123"));
        client = new TestClient(grafana);
    }

    @AfterEach
    void stop() {
        grafana.close();
    }

    @Test
    void healthIsPrettyPrintedPreAuthAndIgnoresQueryString() {
        // grafana-api.md §1.2: struct order database, version, commit; MarshalIndent with two spaces; no auth
        HttpResponse<String> res = client.send(client.request("/api/health?x=1").GET());
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("Content-Type")).hasValue("application/json; charset=UTF-8");
        assertThat(res.body()).isEqualTo("{\n  \"database\": \"ok\",\n  \"version\": \"12.1.0\",\n  \"commit\": \"abc123\"\n}");
    }

    @Test
    void healthIs503WithDatabaseFailingWhenSwitched() {
        // grafana-api.md §1.2: DB down → 503 and "database": "failing"
        grafana.databaseFailing(true);
        HttpResponse<String> res = client.send(client.request("/api/health").GET());
        assertThat(res.statusCode()).isEqualTo(503);
        assertThat(TestClient.json(res).get("database").asText()).isEqualTo("failing");
        grafana.databaseFailing(false);
        assertThat(client.send(client.request("/api/health").GET()).statusCode()).isEqualTo(200);
    }

    @Test
    void headOnHealthHasNoBodyButTheGetLength() {
        // grafana-api.md §1.2: GET|HEAD /api/health
        HttpResponse<String> get = client.send(client.request("/api/health").GET());
        HttpResponse<String> head = client.send(client.request("/api/health").method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(get.body().length()));
    }

    @Test
    void healthzAlwaysAnswersOk() {
        // grafana-api.md §1.2: /healthz is liveness only, never touches the DB
        grafana.databaseFailing(true);
        HttpResponse<String> res = client.send(client.request("/healthz").GET());
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("Ok");
    }

    @Test
    void unauthenticatedApiCallGetsTheAuthnBody() {
        // grafana-api.md §1.1: errutil.Unauthorized("auth.unauthorized")
        HttpResponse<String> res = client.send(client.request("/api/search").GET());
        assertThat(res.statusCode()).isEqualTo(401);
        assertThat(res.body()).isEqualTo(
                "{\"extra\":null,\"message\":\"Unauthorized\",\"messageId\":\"auth.unauthorized\",\"statusCode\":401,\"traceID\":\"\"}");
    }

    @Test
    void wrongTokenAndWrongPasswordAreRejected() {
        // grafana-api.md §1.9
        assertThat(client.send(client.request("/api/search").header("Authorization", "Bearer glsa_other")).statusCode()).isEqualTo(401);
        assertThat(client.send(client.request("/api/search").header("Authorization", TestClient.basic("admin", "nope"))).statusCode())
                .isEqualTo(401);
    }

    @Test
    void tokenSavesAsServiceAccountAndBasicAuthAsAdmin() {
        // grafana-api.md §1.9 + §1.4 createdBy/updatedBy = login
        client.saveDashboard("{\"uid\":\"who\",\"title\":\"Who\"}", "");
        assertThat(grafana.dashboards().get("who").createdBy()).isEqualTo("sa-gateway");
        HttpResponse<String> res = client.send(client.request("/api/dashboards/db")
                .header("Authorization", TestClient.basic("admin", "admin"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"dashboard\":{\"uid\":\"who\",\"title\":\"Who\",\"version\":1}}")));
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(grafana.dashboards().get("who").updatedBy()).isEqualTo("admin");
        assertThat(grafana.dashboards().get("who").createdBy()).isEqualTo("sa-gateway");
    }

    @Test
    void loginSetsASessionCookieThatAuthenticates() {
        // grafana-api.md §1.9: POST /login sets grafana_session (HttpOnly) and grafana_session_expiry
        HttpResponse<String> login = client.send(client.request("/login").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"admin\",\"password\":\"admin\"}")));
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(login.body()).isEqualTo("{\"message\":\"Logged in\",\"redirectUrl\":\"/\"}");
        String cookie = login.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("grafana_session=")).findFirst().orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("Path=/");
        assertThat(login.headers().allValues("Set-Cookie")).anyMatch(c -> c.startsWith("grafana_session_expiry="));
        String session = cookie.substring(0, cookie.indexOf(';'));
        assertThat(client.send(client.request("/api/search").header("Cookie", session)).statusCode()).isEqualTo(200);
        assertThat(client.send(client.request("/api/search").header("Cookie", "grafana_session=forged")).statusCode()).isEqualTo(401);
    }

    @Test
    void badLoginIs401() {
        HttpResponse<String> login = client.send(client.request("/login")
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"admin\",\"password\":\"x\"}")));
        assertThat(login.statusCode()).isEqualTo(401);
        assertThat(login.headers().allValues("Set-Cookie")).isEmpty();
    }

    @Test
    void unknownApiPathIs404NotFoundEvenWithoutAuth() {
        // route not registered → Grafana's API not-found handler
        HttpResponse<String> res = client.send(client.request("/api/does-not-exist").GET());
        assertThat(res.statusCode()).isEqualTo(404);
        assertThat(res.body()).isEqualTo("{\"message\":\"Not found\"}");
    }

    @Test
    void nonApiPathsServeAnIndexPageOfRealisticSize() {
        // Grafana serves its SPA shell (30–40 KB) for every page path
        for (String path : new String[] {"/", "/d/abc/some-dashboard", "/login"}) {
            HttpResponse<String> res = client.send(client.request(path).GET());
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.headers().firstValue("Content-Type")).hasValue("text/html; charset=UTF-8");
            assertThat(res.body()).startsWith("<!DOCTYPE html>").contains("window.grafanaBootData").contains("grafana-a");
            assertThat(res.body().length()).isBetween(30_000, 40_000);
            assertThat(res.headers().firstValue("Content-Length")).hasValue(String.valueOf(res.body().length()));
        }
    }
}
