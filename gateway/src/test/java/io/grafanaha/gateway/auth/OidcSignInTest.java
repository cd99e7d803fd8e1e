package io.grafanaha.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.grafanaha.testkit.oidc.OidcIssuer;
import io.grafanaha.testkit.oidc.OidcUser;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code auth.mode: oidc} end to end over real sockets: a browser-like client (following redirects, with a
 * cookie jar) signs in at an OIDC issuer on loopback through a gateway in front of two emulators whose
 * {@code [auth.proxy]} trusts only loopback, where the gateway connects from.
 */
class OidcSignInTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OidcIssuer idp;
    private Rig rig;
    private Gateway gateway;
    private final CookieManager jar = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    private HttpClient browser;
    private final HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() {
        start("failover");
    }

    private void start(String mode) {
        if (rig != null) {
            rig.close();
            idp.close();
        }
        idp = OidcIssuer.start("grafana-gateway", "client-secret");
        idp.signInAs(OidcUser.of("alice").withGroups("ops", "grafana-admins"));
        rig = OidcRigs.signingInAt(Rig.builder().withoutApiTokens().mode(mode), idp, """
                role-claim: groups
                roles:
                  grafana-admins: Admin
                  grafana-editors: Editor
                """).start();
        gateway = rig.startGateway();
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.health().ready());
        if (mode.equals("failover")) {
            // Right after start the replica may serve until the primary has passed its checks: tests read grafana-a.
            await().atMost(Duration.ofSeconds(30)).until(() -> rig.active().equals(java.util.Optional.of(Rig.PRIMARY)));
        }
        browser = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).cookieHandler(jar)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    @AfterEach
    void stop() {
        if (rig != null) {
            rig.close();
        }
        if (idp != null) {
            idp.close();
        }
    }

    private String url(String path) {
        return "http://127.0.0.1:" + gateway.port() + path;
    }

    private HttpResponse<String> send(HttpClient client, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Opens a dashboard page as a browser would, which sends it through the provider and back. */
    private HttpResponse<String> signIn() throws Exception {
        return send(browser, "/d/abc/some-dashboard?orgId=1", "Accept", "text/html,application/xhtml+xml");
    }

    private String sessionCookie() {
        return jar.getCookieStore().getCookies().stream().filter(c -> c.getName().equals(Cookies.SESSION))
                .map(HttpCookie::getValue).findFirst().orElseThrow();
    }

    @Test
    void aBrowserWithoutASessionIsSignedInAtTheProviderAndLandsOnThePageItAskedFor() throws Exception {
        HttpResponse<String> page = signIn();

        assertThat(page.statusCode()).as(page.uri() + " " + page.body()).isEqualTo(200);
        assertThat(page.uri().getPath()).isEqualTo("/d/abc/some-dashboard");
        assertThat(page.uri().getQuery()).isEqualTo("orgId=1");
        assertThat(idp.tokenRequests()).isEqualTo(1);
        HttpResponse<String> me = send(browser, "/api/user");
        assertThat(me.statusCode()).isEqualTo(200);
        JsonNode user = JSON.readTree(me.body());
        assertThat(user.get("login").asText()).isEqualTo("alice");
        assertThat(user.get("email").asText()).isEqualTo("alice@example.com");
        GrafanaEmulator a = rig.a();
        assertThat(a.user("alice").orElseThrow().role()).isEqualTo("Admin");
        assertThat(a.user("alice").orElseThrow().groups()).containsExactly("ops", "grafana-admins");
        assertThat(a.lastRequest().orElseThrow().headers().getOrDefault("cookie", java.util.List.of()))
                .noneMatch(c -> c.contains(Cookies.SESSION));
    }

    @Test
    void grafanasOwnLoginPageStartsTheSignIn() throws Exception {
        HttpResponse<String> res = send(browser, "/login");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.uri().getPath()).isEqualTo("/");
        assertThat(JSON.readTree(send(browser, "/api/user").body()).get("login").asText()).isEqualTo("alice");
    }

    @Test
    void anApiRequestWithoutASessionGetsGrafanasUnauthorizedAndATokenStillPasses() throws Exception {
        HttpResponse<String> res = send(plain, "/api/search");
        assertThat(res.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(res.body()).get("messageId").asText()).isEqualTo("auth.unauthorized");
        assertThat(rig.a().requestCount("/api/search")).isZero();

        HttpResponse<String> withToken = send(plain, "/api/search", "Authorization", "Bearer " + rig.a().token());
        assertThat(withToken.statusCode()).isEqualTo(200);
    }

    @Test
    void aTamperedCookieIsRefused() throws Exception {
        signIn();
        String cookie = sessionCookie();
        char last = cookie.charAt(cookie.length() - 5);
        String tampered = cookie.substring(0, cookie.length() - 5) + (last == 'A' ? 'B' : 'A') + cookie.substring(cookie.length() - 4);

        assertThat(send(plain, "/api/user", "Cookie", Cookies.SESSION + "=" + cookie).statusCode()).isEqualTo(200);
        assertThat(send(plain, "/api/user", "Cookie", Cookies.SESSION + "=" + tampered).statusCode()).isEqualTo(401);
        assertThat(send(plain, "/api/user", "Cookie", Cookies.SESSION + "=not-a-jwe").statusCode()).isEqualTo(401);
    }

    @Test
    void aClientSentWebauthHeaderNeverSignsAnyoneIn() throws Exception {
        HttpResponse<String> anonymous = send(plain, "/api/user", "X-WEBAUTH-USER", "admin", "X-WEBAUTH-ROLE", "Admin");
        assertThat(anonymous.statusCode()).isEqualTo(401);

        signIn();
        HttpResponse<String> asAlice = send(plain, "/api/user", "Cookie", Cookies.SESSION + "=" + sessionCookie(),
                "X-WEBAUTH-USER", "admin");
        assertThat(JSON.readTree(asAlice.body()).get("login").asText()).isEqualTo("alice");
    }

    @Test
    void theSessionSurvivesAFailoverAndTheReplicaServesTheSameUser() throws Exception {
        signIn();
        HttpResponse<String> before = send(browser, "/api/user");
        assertThat(before.headers().firstValue(GrafanaEmulator.NAME_HEADER)).hasValue(Rig.PRIMARY);

        rig.a().stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.active().equals(java.util.Optional.of(Rig.REPLICA)));

        HttpResponse<String> after = send(browser, "/api/user");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.headers().firstValue(GrafanaEmulator.NAME_HEADER)).hasValue(Rig.REPLICA);
        assertThat(JSON.readTree(after.body()).get("login").asText()).isEqualTo("alice");
        assertThat(rig.b().user("alice").orElseThrow().role()).isEqualTo("Admin");
        assertThat(idp.tokenRequests()).as("no second sign-in").isEqualTo(1);
    }

    @Test
    void logoutClearsTheSessionAndEndsTheProvidersSession() throws Exception {
        signIn();
        HttpClient noFollow = HttpClient.newBuilder().cookieHandler(jar).followRedirects(HttpClient.Redirect.NEVER).build();

        HttpResponse<String> out = send(noFollow, "/logout");

        assertThat(out.statusCode()).isEqualTo(302);
        assertThat(out.headers().firstValue("Location").orElseThrow())
                .startsWith(idp.issuer() + "/logout?client_id=grafana-gateway&post_logout_redirect_uri=");
        assertThat(out.headers().allValues("Set-Cookie")).anyMatch(c -> c.startsWith(Cookies.SESSION + "=;") && c.contains("Max-Age=0"));
        assertThat(send(noFollow, "/api/user").statusCode()).isEqualTo(401);
    }

    @Test
    void anExpiredIdTokenIsRefreshedWithTheRefreshTokenAndTheUserStaysSignedIn() throws Exception {
        idp.idTokenTtl(Duration.ofSeconds(1));
        signIn();
        // Only the first token expires: a refreshed one that lived 1 s (the exp claim is in whole seconds, so less)
        // could expire again before the next request on a loaded machine.
        idp.idTokenTtl(Duration.ofMinutes(5));

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            HttpResponse<String> me = send(browser, "/api/user");
            assertThat(me.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(me.body()).get("login").asText()).isEqualTo("alice");
            assertThat(idp.refreshes()).isPositive();
        });
    }

    @Test
    void aPageWhoseSessionExpiredSendsManyRequestsAtOnceAndTheyShareOneRefreshOfTheOneTimeToken() throws Exception {
        // The test provider, like Keycloak or Auth0 with rotation, accepts each refresh token once.
        idp.idTokenTtl(Duration.ofSeconds(1));
        signIn();
        String expiring = sessionCookie();
        // On a loaded machine the sign-in itself can outlive a 1 s token and refresh it once: count from here. And
        // the burst's new token must outlive the eight checks below (exp is in whole seconds: 1 s could be 0.1 s).
        int refreshedAtSignIn = idp.refreshes();
        idp.idTokenTtl(Duration.ofMinutes(5));
        await().pollDelay(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(() -> true); // past the ID token's expiry

        // Eight panels' requests leave the browser together, each with the cookie it had: one session, one token.
        String cookie = Cookies.SESSION + "=" + expiring;
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            burst.add(plain.sendAsync(HttpRequest.newBuilder(URI.create(url("/api/user"))).timeout(Duration.ofSeconds(10))
                    .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> answer : burst) {
            HttpResponse<String> refreshed = answer.get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(refreshed.statusCode()).isEqualTo(307);
            String renewed = refreshed.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(renewed).as("a new session, not a cleared one").startsWith(Cookies.SESSION + "=")
                    .doesNotStartWith(Cookies.SESSION + "=;");
            HttpResponse<String> me = send(plain, "/api/user", "Cookie", renewed.substring(0, renewed.indexOf(';')));
            assertThat(me.statusCode()).as("every panel is still signed in").isEqualTo(200);
            assertThat(JSON.readTree(me.body()).get("login").asText()).isEqualTo("alice");
        }
        assertThat(idp.refreshes() - refreshedAtSignIn).as("refreshes the provider saw").isEqualTo(1);
    }

    @Test
    void aRotatedSigningKeyIsFetchedAgainAtTheNextSignIn() throws Exception {
        signIn();
        int fetched = idp.jwksRequests();
        idp.rotateKey();
        jar.getCookieStore().removeAll();

        assertThat(signIn().statusCode()).isEqualTo(200);
        assertThat(idp.jwksRequests()).isEqualTo(fetched + 1);
        assertThat(send(browser, "/api/user").statusCode()).isEqualTo(200);
    }

    @Test
    void theLiveWebSocketUpgradeCarriesTheSignedInUserAndIsRefusedWithoutASession() throws Exception {
        signIn();
        java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.net.http.WebSocket ws = plain.newWebSocketBuilder().header("Cookie", Cookies.SESSION + "=" + sessionCookie())
                .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/api/live/ws"), new java.net.http.WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket w, int code, String reason) {
                        events.add("close " + code + " " + reason);
                        return null;
                    }

                    @Override
                    public void onError(java.net.http.WebSocket w, Throwable error) {
                        events.add("error " + error);
                    }
                })
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.a().openWebSockets() == 1);
        assertThat(events).as("the tunnel stays open").isEmpty();
        ws.abort();

        var refused = plain.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/api/live/ws"), new java.net.http.WebSocket.Listener() {});
        assertThat(refused).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .havingCause().isInstanceOfSatisfying(java.net.http.WebSocketHandshakeException.class,
                        e -> assertThat(e.getResponse().statusCode()).isEqualTo(401));
    }

    @Test
    void inLoadBalanceModeEveryHopServesTheSameUser() throws Exception {
        start("load-balance");
        signIn();

        java.util.Set<String> servedBy = new java.util.HashSet<>();
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> me = send(browser, "/api/user");
            assertThat(me.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(me.body()).get("login").asText()).isEqualTo("alice");
            me.headers().firstValue(GrafanaEmulator.NAME_HEADER).ifPresent(servedBy::add);
        }
        assertThat(servedBy).containsExactlyInAnyOrder(Rig.PRIMARY, Rig.REPLICA);
        assertThat(idp.tokenRequests()).isEqualTo(1);
    }

    @Test
    void whenTheProviderIsDownAtRefreshTimeTheUserStaysSignedIn() throws Exception {
        idp.idTokenTtl(Duration.ofSeconds(1));
        signIn();
        idp.close();

        // Across the ID token's expiry (1 s) and the failed refresh: every answer is still alice's.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    HttpResponse<String> me = send(browser, "/api/user");
                    return me.statusCode() == 200 && JSON.readTree(me.body()).get("login").asText().equals("alice");
                });
    }
}
