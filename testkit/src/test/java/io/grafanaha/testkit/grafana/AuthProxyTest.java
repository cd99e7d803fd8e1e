package io.grafanaha.testkit.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Grafana's [auth.proxy] as the emulator plays it; facts in testkit/AUTH-PROXY.md. */
class AuthProxyTest {
    private GrafanaEmulator grafana;
    private TestClient client;

    private void start(AuthProxyOptions authProxy) {
        grafana = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a").authProxy(authProxy));
        client = new TestClient(grafana);
    }

    @AfterEach
    void stop() {
        if (grafana != null) {
            grafana.close();
        }
    }

    private HttpResponse<String> asUser(String path, String... headers) {
        return client.send(client.request(path).headers(headers).GET());
    }

    @Test
    void theUserHeaderSignsNobodyInWhileAuthProxyIsOff() {
        start(AuthProxyOptions.disabled());
        HttpResponse<String> res = asUser("/api/user", "X-WEBAUTH-USER", "admin");
        assertThat(res.statusCode()).isEqualTo(401);
        assertThat(TestClient.json(res).get("messageId").asText()).isEqualTo("auth.unauthorized");
    }

    @Test
    void withHeadersEncodedEveryHeaderIsQuotedPrintableDecodedAndAValueThatDoesNotDecodeIsKept() {
        start(AuthProxyOptions.enabledWithDefaultHeaders().headersEncoded(true));
        HttpResponse<String> res = asUser("/api/user", "X-WEBAUTH-USER", "Zo=C3=AB=20=E5=B1=B1=E7=94=B0",
                "X-WEBAUTH-NAME", "=c3=91and=c3=ba");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(grafana.user("Zoë 山田").orElseThrow().name()).as("lower-case hex accepted, as Go's reader does")
                .isEqualTo("Ñandú");
        asUser("/api/user", "X-WEBAUTH-USER", "a=zz");
        assertThat(grafana.user("a=zz")).as("an invalid escape keeps the value as it came").isPresent();
    }

    @Test
    void withoutHeadersEncodedAQuotedPrintableValueIsTakenLiterally() {
        start(AuthProxyOptions.enabledWithDefaultHeaders());
        asUser("/api/user", "X-WEBAUTH-USER", "Zo=C3=AB");
        assertThat(grafana.user("Zo=C3=AB")).isPresent();
    }

    @Test
    void anUnknownUserIsSignedUpAsViewerAndSignedIn() {
        start(AuthProxyOptions.enabledWithDefaultHeaders());
        HttpResponse<String> res = asUser("/api/user", "X-WEBAUTH-USER", "alice");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(TestClient.json(res).get("login").asText()).isEqualTo("alice");
        assertThat(TestClient.json(asUser("/api/user/orgs", "X-WEBAUTH-USER", "alice")).get(0).get("role").asText())
                .isEqualTo("Viewer");
        assertThat(grafana.users()).extracting(GrafanaUser::login).containsExactly("admin", "alice");
    }

    @Test
    void theExtraHeadersSetEmailNameGroupsAndTheRoleIsSyncedOnEveryRequest() {
        start(AuthProxyOptions.enabledWithDefaultHeaders());
        asUser("/api/user", "X-WEBAUTH-USER", "bob", "X-WEBAUTH-EMAIL", "bob@example.com", "X-WEBAUTH-NAME", "Bob B",
                "X-WEBAUTH-ROLE", "Editor", "X-WEBAUTH-GROUPS", "ops, dev");
        GrafanaUser bob = grafana.user("bob").orElseThrow();
        assertThat(bob.email()).isEqualTo("bob@example.com");
        assertThat(bob.name()).isEqualTo("Bob B");
        assertThat(bob.role()).isEqualTo("Editor");
        assertThat(bob.groups()).containsExactly("ops", "dev");

        asUser("/api/user", "X-WEBAUTH-USER", "bob", "X-WEBAUTH-ROLE", "Admin");
        assertThat(grafana.user("bob").orElseThrow().role()).isEqualTo("Admin");
        asUser("/api/user", "X-WEBAUTH-USER", "bob");
        assertThat(grafana.user("bob").orElseThrow().role()).as("no role header: the role stays").isEqualTo("Admin");
        assertThat(grafana.users()).hasSize(2);
    }

    @Test
    void withoutAutoSignUpAnUnknownUserIsForbiddenAndAKnownOneSignsIn() {
        start(AuthProxyOptions.enabledWithDefaultHeaders().autoSignUp(false));
        HttpResponse<String> unknown = asUser("/api/user", "X-WEBAUTH-USER", "mallory");
        assertThat(unknown.statusCode()).isEqualTo(403);
        assertThat(TestClient.json(unknown).get("messageId").asText()).isEqualTo("user.sync.forbidden");
        assertThat(asUser("/api/user", "X-WEBAUTH-USER", "admin").statusCode()).isEqualTo(200);
        assertThat(grafana.users()).hasSize(1);
    }

    @Test
    void theHeaderIsRefusedFromAnAddressOutsideTheWhitelist() {
        start(AuthProxyOptions.enabledWithDefaultHeaders().whitelist("10.0.0.0/8", "192.168.1.1"));
        HttpResponse<String> res = asUser("/api/user", "X-WEBAUTH-USER", "admin");
        assertThat(res.statusCode()).isEqualTo(401);
        assertThat(TestClient.json(res).get("messageId").asText()).isEqualTo("auth-proxy.invalid-ip");
        assertThat(grafana.users()).hasSize(1);
    }

    @Test
    void theWhitelistIsMatchedAgainstThePeerNotAForwardedForHeader() {
        start(AuthProxyOptions.enabledWithDefaultHeaders().whitelist("127.0.0.1"));
        assertThat(asUser("/api/user", "X-WEBAUTH-USER", "carol").statusCode()).isEqualTo(200);
        grafana.close();
        start(AuthProxyOptions.enabledWithDefaultHeaders().whitelist("10.1.2.3"));
        assertThat(asUser("/api/user", "X-WEBAUTH-USER", "carol", "X-Forwarded-For", "10.1.2.3",
                "X-Real-IP", "10.1.2.3").statusCode()).isEqualTo(401);
    }

    @Test
    void aRefusedHeaderFallsBackToTheSessionCookie() {
        start(AuthProxyOptions.enabledWithDefaultHeaders().whitelist("10.0.0.0/8"));
        HttpResponse<String> login = client.send(client.request("/login").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"admin\",\"password\":\"admin\"}")));
        String cookie = login.headers().allValues("Set-Cookie").get(0);
        String session = cookie.substring(0, cookie.indexOf(';'));
        HttpResponse<String> res = asUser("/api/user", "X-WEBAUTH-USER", "mallory", "Cookie", session);
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(TestClient.json(res).get("login").asText()).isEqualTo("admin");
    }

    @Test
    void withTheEmailPropertyTheHeaderIsLoginAndEmailAndFindsTheSameUserAgain() {
        start(AuthProxyOptions.enabledWithDefaultHeaders().headerProperty("email").headerName("X-Email")
                .headers(Map.of()));
        assertThat(asUser("/api/user", "X-Email", "dan@example.com").statusCode()).isEqualTo(200);
        assertThat(asUser("/api/user", "X-Email", "dan@example.com").statusCode()).isEqualTo(200);
        GrafanaUser dan = grafana.user("dan@example.com").orElseThrow();
        assertThat(dan.email()).isEqualTo("dan@example.com");
        assertThat(grafana.users()).hasSize(2);
    }

    @Test
    void aSignedInUsersSavesAreRecordedUnderItsLogin() {
        start(AuthProxyOptions.enabledWithDefaultHeaders());
        HttpResponse<String> res = client.send(client.request("/api/dashboards/db")
                .header("X-WEBAUTH-USER", "erin").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"dashboard\":{\"uid\":\"u1\",\"title\":\"T\"}}")));
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(grafana.dashboard("u1").orElseThrow().updatedBy()).isEqualTo("erin");
    }
}
