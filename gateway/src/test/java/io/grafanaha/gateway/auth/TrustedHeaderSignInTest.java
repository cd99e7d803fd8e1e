package io.grafanaha.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.grafana.AuthProxyOptions;
import io.grafanaha.testkit.grafana.GrafanaUser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code auth.mode: trusted-header} over real sockets: a gateway in front of two emulators whose
 * {@code [auth.proxy]} is on (whitelist = loopback, where the gateway connects from). The test client is
 * on loopback too, so "trusted" and "untrusted" differ only in {@code proxy.trusted-proxies}.
 */
class TrustedHeaderSignInTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Rig rig;
    private Gateway gateway;

    private void start(String trustedProxies) {
        rig = Rig.builder().withoutApiTokens()
                .authProxy(AuthProxyOptions.enabledWithDefaultHeaders().whitelist("127.0.0.1"))
                .settings(Rig.FAST_HEALTH + "proxy:\n  trusted-proxies: [" + trustedProxies + "]\n"
                        + "auth:\n  mode: trusted-header\n")
                .start();
        gateway = rig.startGateway();
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.health().ready());
        // Right after start the replica may serve until the primary has passed its checks: tests read grafana-a.
        await().atMost(Duration.ofSeconds(30)).until(() -> rig.active().equals(java.util.Optional.of(Rig.PRIMARY)));
    }

    @AfterEach
    void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .timeout(Duration.ofSeconds(10)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void fromATrustedProxyGrafanaSeesTheUserItNames() throws Exception {
        start("127.0.0.1/32");

        HttpResponse<String> res = get("/api/user", "X-Auth-Request-User", "alice",
                "X-Auth-Request-Email", "alice@example.com", "X-Auth-Request-Groups", "ops,dev");

        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode user = JSON.readTree(res.body());
        assertThat(user.get("login").asText()).isEqualTo("alice");
        assertThat(user.get("email").asText()).isEqualTo("alice@example.com");
        GrafanaUser alice = rig.a().user("alice").orElseThrow();
        assertThat(alice.groups()).containsExactly("ops", "dev");
        assertThat(rig.a().lastRequest().orElseThrow().headers()).doesNotContainKey("x-auth-request-user");
    }

    @Test
    void fromAnUntrustedPeerTheHeadersAreIgnoredAndStripped() throws Exception {
        start("10.0.0.0/8");

        HttpResponse<String> res = get("/api/user", "X-Auth-Request-User", "alice",
                "X-Auth-Request-Email", "alice@example.com");

        assertThat(res.statusCode()).isEqualTo(401);
        assertThat(rig.a().user("alice")).isEmpty();
        var seen = rig.a().lastRequest().orElseThrow().headers();
        assertThat(seen).doesNotContainKeys("x-auth-request-user", "x-auth-request-email", "x-webauth-user");
    }

    @Test
    void aClientSentWebauthHeaderNeverSignsAnyoneInEvenFromATrustedPeer() throws Exception {
        start("127.0.0.1/32");

        HttpResponse<String> res = get("/api/user", "X-WEBAUTH-USER", "admin", "X-WEBAUTH-ROLE", "Admin");

        assertThat(res.statusCode()).isEqualTo(401);
        HttpResponse<String> asBob = get("/api/user", "X-Auth-Request-User", "bob", "X-WEBAUTH-USER", "admin");
        assertThat(JSON.readTree(asBob.body()).get("login").asText()).isEqualTo("bob");
    }

    @Test
    void theLiveWebSocketUpgradeCarriesTheUser() throws Exception {
        start("127.0.0.1/32");
        WebSocket ws = http.newWebSocketBuilder().header("X-Auth-Request-User", "carol")
                .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/api/live/ws"), new WebSocket.Listener() {})
                .get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> rig.a().openWebSockets() == 1);
        assertThat(rig.a().user("carol")).isPresent();
        ws.abort();
    }
}
