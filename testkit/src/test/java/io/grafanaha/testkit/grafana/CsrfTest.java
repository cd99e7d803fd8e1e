package io.grafanaha.testkit.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** grafana-api.md §2.2: Origin/Host check only with a session cookie and an Origin header. */
class CsrfTest {
    private static final String FOLDER = "{\"uid\":\"f1\",\"title\":\"F1\"}";

    private GrafanaEmulator grafana;
    private TestClient client;
    private String session;

    @BeforeEach
    void start() {
        grafana = GrafanaEmulator.start(GrafanaEmulator.options());
        client = new TestClient(grafana);
        HttpResponse<String> login = client.send(client.request("/login")
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"admin\",\"password\":\"admin\"}")));
        String cookie = login.headers().allValues("Set-Cookie").get(0);
        session = cookie.substring(0, cookie.indexOf(';'));
    }

    @AfterEach
    void stop() {
        grafana.close();
    }

    private HttpRequest.Builder withSession(String origin) {
        HttpRequest.Builder b = client.request("/api/folders").header("Cookie", session)
                .POST(HttpRequest.BodyPublishers.ofString(FOLDER));
        return origin == null ? b : b.header("Origin", origin);
    }

    @Test
    void foreignOriginWithSessionCookieIs403PlainText() {
        // §2.2 step 5: hostname mismatch → 403 "origin not allowed\n" (Go http.Error)
        HttpResponse<String> res = client.send(withSession("http://evil.example"));
        assertThat(res.statusCode()).isEqualTo(403);
        assertThat(res.body()).isEqualTo("origin not allowed\n");
        assertThat(res.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
        assertThat(grafana.folders()).isEmpty();
    }

    @Test
    void sameHostDifferentPortPasses() {
        // §2.2 step 5: port ignored, hostname compared with the Host header (here 127.0.0.1:PORT)
        assertThat(client.send(withSession("http://127.0.0.1:1")).statusCode()).isEqualTo(200);
    }

    @Test
    void getIsCheckedToo() {
        // §2.2 step 2: GET is not exempt
        HttpResponse<String> res = client.send(client.request("/api/search").header("Cookie", session).header("Origin", "http://evil.example"));
        assertThat(res.statusCode()).isEqualTo(403);
    }

    @Test
    void noOriginOrNoCookieIsNotChecked() {
        // §2.2 steps 1 and 4
        assertThat(client.send(withSession(null)).statusCode()).isEqualTo(200);
        HttpResponse<String> tokenCall = client.send(client.authed("/api/folders").header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"Token\"}")));
        assertThat(tokenCall.statusCode()).isEqualTo(200);
    }

    @Test
    void unparsableOriginIs400() {
        // §2.2: unparsable Host/Origin → 400
        assertThat(client.send(withSession("http://exa mple.com")).statusCode()).isEqualTo(400);
    }
}
