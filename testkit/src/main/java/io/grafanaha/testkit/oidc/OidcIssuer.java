package io.grafanaha.testkit.oidc;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An OpenID Connect provider on 127.0.0.1 for tests: {@code /.well-known/openid-configuration},
 * {@code /jwks}, {@code /authorize} (signs in {@link #signInAs the configured user} at once and redirects
 * with a code; no login page), {@code /token} (authorization code with PKCE S256 checked, and refresh
 * tokens), {@code /logout} (end-session). One RSA key signs; {@link #rotateKey()} replaces it.
 *
 * <pre>{@code
 * try (OidcIssuer idp = OidcIssuer.start("gateway", "secret")) {
 *     idp.signInAs(OidcUser.of("alice").withGroups("admins"));
 *     ... idp.issuer() is the gateway's auth.oidc.issuer
 * }
 * }</pre>
 */
public final class OidcIssuer implements AutoCloseable {
    private record Grant(String clientId, String redirectUri, String nonce, String challenge, OidcUser user) {}

    private final HttpServer server;
    private final ExecutorService executor;
    private final String clientId;
    private final String clientSecret;
    private final Clock clock;
    private final AtomicReference<RSAKey> key = new AtomicReference<>(newKey());
    private final AtomicReference<OidcUser> user = new AtomicReference<>(OidcUser.of("alice"));
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final Map<String, OidcUser> refreshTokens = new ConcurrentHashMap<>();
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final AtomicInteger refreshes = new AtomicInteger();
    private final AtomicInteger jwksRequests = new AtomicInteger();
    private final AtomicInteger endSessions = new AtomicInteger();
    private volatile Duration idTokenTtl = Duration.ofMinutes(5);
    private volatile boolean issueRefreshTokens = true;

    private OidcIssuer(String clientId, String clientSecret, Clock clock) throws IOException {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.clock = clock;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "oidc-issuer");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/.well-known/openid-configuration", this::discovery);
        server.createContext("/jwks", this::jwks);
        server.createContext("/authorize", this::authorize);
        server.createContext("/token", this::token);
        server.createContext("/logout", this::logout);
        server.start();
    }

    public static OidcIssuer start(String clientId, String clientSecret) {
        return start(clientId, clientSecret, Clock.systemUTC());
    }

    public static OidcIssuer start(String clientId, String clientSecret, Clock clock) {
        try {
            return new OidcIssuer(clientId, clientSecret, clock);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The issuer URL ({@code iss}), also the base of every endpoint. */
    public String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Who {@code /authorize} signs in from now on. */
    public void signInAs(OidcUser value) {
        user.set(value);
    }

    /** How long the ID tokens it issues are valid. */
    public void idTokenTtl(Duration value) {
        idTokenTtl = value;
    }

    /** Whether the token endpoint hands out refresh tokens (default true). */
    public void issueRefreshTokens(boolean value) {
        issueRefreshTokens = value;
    }

    /** Signs with a new key (new kid) from now on and publishes only that one, as a provider rotating keys does. */
    public void rotateKey() {
        key.set(newKey());
    }

    public int tokenRequests() {
        return tokenRequests.get();
    }

    public int refreshes() {
        return refreshes.get();
    }

    public int jwksRequests() {
        return jwksRequests.get();
    }

    public int endSessions() {
        return endSessions.get();
    }

    /** An ID token for the current user as this issuer would sign it (for tests that need one directly). */
    public String idToken(String audience, String nonce) {
        return sign(user.get(), audience, nonce);
    }

    private static RSAKey newKey() {
        try {
            return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private void discovery(HttpExchange ex) throws IOException {
        String base = issuer();
        String json = "{\"issuer\":\"" + base + "\",\"authorization_endpoint\":\"" + base + "/authorize\","
                + "\"token_endpoint\":\"" + base + "/token\",\"jwks_uri\":\"" + base + "/jwks\","
                + "\"end_session_endpoint\":\"" + base + "/logout\","
                + "\"response_types_supported\":[\"code\"],\"subject_types_supported\":[\"public\"],"
                + "\"id_token_signing_alg_values_supported\":[\"RS256\"],\"code_challenge_methods_supported\":[\"S256\"],"
                + "\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\",\"client_secret_post\"]}";
        send(ex, 200, "application/json", json);
    }

    private void jwks(HttpExchange ex) throws IOException {
        jwksRequests.incrementAndGet();
        send(ex, 200, "application/json", new JWKSet(key.get().toPublicJWK()).toString());
    }

    private void authorize(HttpExchange ex) throws IOException {
        Map<String, String> q = form(ex.getRequestURI().getRawQuery());
        if (!clientId.equals(q.get("client_id")) || !"code".equals(q.get("response_type"))
                || q.get("redirect_uri") == null || !"S256".equals(q.get("code_challenge_method"))
                || q.get("code_challenge") == null || !String.valueOf(q.get("scope")).contains("openid")) {
            send(ex, 400, "text/plain", "invalid_request");
            return;
        }
        String code = UUID.randomUUID().toString();
        codes.put(code, new Grant(q.get("client_id"), q.get("redirect_uri"), q.get("nonce"), q.get("code_challenge"), user.get()));
        String location = q.get("redirect_uri") + (q.get("redirect_uri").contains("?") ? "&" : "?")
                + "code=" + enc(code) + (q.get("state") == null ? "" : "&state=" + enc(q.get("state")));
        ex.getResponseHeaders().add("Location", location);
        send(ex, 302, "text/plain", "");
    }

    private void token(HttpExchange ex) throws IOException {
        tokenRequests.incrementAndGet();
        Map<String, String> f = form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        if (!clientAuthenticated(ex, f)) {
            send(ex, 401, "application/json", "{\"error\":\"invalid_client\"}");
            return;
        }
        if ("refresh_token".equals(f.get("grant_type"))) {
            OidcUser who = f.get("refresh_token") == null ? null : refreshTokens.remove(f.get("refresh_token"));
            if (who == null) {
                send(ex, 400, "application/json", "{\"error\":\"invalid_grant\"}");
                return;
            }
            refreshes.incrementAndGet();
            tokens(ex, who, null);
            return;
        }
        Grant grant = f.get("code") == null ? null : codes.remove(f.get("code"));
        if (!"authorization_code".equals(f.get("grant_type")) || grant == null
                || !grant.redirectUri().equals(f.get("redirect_uri")) || f.get("code_verifier") == null
                || !s256(f.get("code_verifier")).equals(grant.challenge())) {
            send(ex, 400, "application/json", "{\"error\":\"invalid_grant\"}");
            return;
        }
        tokens(ex, grant.user(), grant.nonce());
    }

    private void tokens(HttpExchange ex, OidcUser who, String nonce) throws IOException {
        String refresh = "";
        if (issueRefreshTokens) {
            String token = UUID.randomUUID().toString();
            refreshTokens.put(token, who);
            refresh = ",\"refresh_token\":\"" + token + "\"";
        }
        send(ex, 200, "application/json", "{\"access_token\":\"" + UUID.randomUUID() + "\",\"token_type\":\"Bearer\","
                + "\"expires_in\":" + idTokenTtl.toSeconds() + ",\"id_token\":\"" + sign(who, clientId, nonce) + "\"" + refresh + "}");
    }

    private boolean clientAuthenticated(HttpExchange ex, Map<String, String> f) {
        String basic = ex.getRequestHeaders().getFirst("Authorization");
        if (basic != null && basic.startsWith("Basic ")) {
            String decoded = new String(Base64.getDecoder().decode(basic.substring(6)), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon > 0 && URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8).equals(clientId)
                    && URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8).equals(clientSecret);
        }
        return clientId.equals(f.get("client_id")) && clientSecret.equals(f.get("client_secret"));
    }

    private String sign(OidcUser who, String audience, String nonce) {
        Date now = Date.from(clock.instant());
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(issuer()).subject(who.subject()).audience(audience)
                .issueTime(now).expirationTime(Date.from(clock.instant().plus(idTokenTtl)))
                .claim("preferred_username", who.preferredUsername()).claim("email", who.email()).claim("name", who.name());
        if (nonce != null) {
            claims.claim("nonce", nonce);
        }
        who.extra().forEach(claims::claim);
        RSAKey signing = key.get();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signing.getKeyID()).build(), claims.build());
        try {
            jwt.sign(new RSASSASigner(signing));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    private void logout(HttpExchange ex) throws IOException {
        endSessions.incrementAndGet();
        String back = form(ex.getRequestURI().getRawQuery()).get("post_logout_redirect_uri");
        if (back != null) {
            ex.getResponseHeaders().add("Location", back);
            send(ex, 302, "text/plain", "");
        } else {
            send(ex, 200, "text/plain", "signed out");
        }
    }

    static String s256(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64URL.encode(digest).toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> form(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            ex.getResponseBody().write(bytes);
        }
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "OidcIssuer[" + issuer() + "]";
    }
}
