package io.grafanaha.gateway.auth;

import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import io.grafanaha.gateway.config.AuthConfig;
import io.grafanaha.gateway.proxy.LocalRequest;
import io.grafanaha.gateway.proxy.LocalResponse;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The authorization-code flow with PKCE (S256), state and nonce, and what follows it: the callback's code
 * exchange and ID token check, the session cookie, its refresh, and sign-out. Each step is a
 * {@link io.grafanaha.gateway.proxy.LocalHandler}: it returns at once and its future completes when the
 * provider has answered ({@code sendAsync}); the proxy writes the answer on the client's event loop.
 * The sign-in in progress lives in its own sealed cookie, so the callback may reach any gateway.
 */
final class OidcSignIn {
    private static final Duration LOGIN_TTL = Duration.ofMinutes(10);
    /** How long a session whose refresh could not reach the provider is served before the refresh is tried again. */
    static final Duration RETRY_REFRESH = Duration.ofMinutes(1);
    private static final String LOGIN_PATH = "/_gateway/auth/";
    private static final List<String> RANK = List.of("Viewer", "Editor", "Admin");

    private final AuthConfig config;
    private final AuthConfig.OidcConfig oidc;
    private final OidcClient client;
    private final SessionCodec codec;
    private final Clock clock;
    private final boolean secure;
    private final SecureRandom random = new SecureRandom();
    private final RefreshOnce<String> refreshes;

    OidcSignIn(AuthConfig config, OidcClient client, SessionCodec codec, Clock clock, boolean secure) {
        this.config = config;
        this.oidc = config.oidc().orElseThrow();
        this.client = client;
        this.codec = codec;
        this.clock = clock;
        this.secure = secure;
        this.refreshes = new RefreshOnce<>(clock);
    }

    /** 302 to the provider's authorization endpoint, with the state, nonce and verifier kept in the login cookie. */
    CompletableFuture<LocalResponse> start(LocalRequest request, String returnTo) {
        String state = randomToken();
        String nonce = randomToken();
        String verifier = randomToken() + randomToken();
        String redirectUri = redirectUri(request);
        String sealed = codec.seal(SessionCodec.LOGIN, new JWTClaimsSet.Builder()
                .expirationTime(Date.from(clock.instant().plus(LOGIN_TTL)))
                .claim("state", state).claim("nonce", nonce).claim("verifier", verifier)
                .claim("return", returnTo).claim("redirect", redirectUri));
        return client.discovery().handle((d, error) -> {
            if (error != null) {
                return failed(503, "the sign-in provider cannot be reached: " + OidcClient.reason(error));
            }
            String location = d.authorization() + (d.authorization().getRawQuery() == null ? "?" : "&")
                    + "response_type=code&client_id=" + enc(oidc.clientId()) + "&redirect_uri=" + enc(redirectUri)
                    + "&scope=" + enc(String.join(" ", oidc.scopes())) + "&state=" + enc(state) + "&nonce=" + enc(nonce)
                    + "&code_challenge=" + enc(s256(verifier)) + "&code_challenge_method=S256";
            return redirect(302, location).withHeader("Set-Cookie", Cookies.set(Cookies.LOGIN, sealed, LOGIN_PATH, LOGIN_TTL, secure));
        });
    }

    /** The provider's redirect back: state checked, code exchanged, ID token verified, session cookie set. */
    CompletableFuture<LocalResponse> callback(LocalRequest request) {
        Map<String, List<String>> query = new QueryStringDecoder(request.uri()).parameters();
        String clearLogin = Cookies.clear(Cookies.LOGIN, LOGIN_PATH, secure);
        if (query.containsKey("error")) {
            return done(failed(401, "the provider refused the sign-in: " + first(query, "error")).withHeader("Set-Cookie", clearLogin));
        }
        Optional<JWTClaimsSet> login = Cookies.read(request.headers(), Cookies.LOGIN).flatMap(v -> codec.open(SessionCodec.LOGIN, v));
        String code = first(query, "code");
        if (login.isEmpty() || code.isEmpty()) {
            return done(failed(400, "no sign-in is in progress in this browser (or it took over ten minutes); start again at /login")
                    .withHeader("Set-Cookie", clearLogin));
        }
        JWTClaimsSet flow = login.get();
        String state = (String) flow.getClaim("state");
        if (!MessageDigest.isEqual(state.getBytes(StandardCharsets.UTF_8), first(query, "state").getBytes(StandardCharsets.UTF_8))) {
            return done(failed(400, "the sign-in's state does not match this browser's; start again at /login")
                    .withHeader("Set-Cookie", clearLogin));
        }
        String nonce = (String) flow.getClaim("nonce");
        return client.exchange(code, (String) flow.getClaim("verifier"), (String) flow.getClaim("redirect"))
                .thenCompose(tokens -> client.verify(tokens.idToken(), nonce)
                        .thenApply(claims -> session(claims, tokens.refreshToken(), clock.instant().plus(config.sessionTtl()))))
                .handle((cookie, error) -> error != null
                        ? failed(401, "sign-in failed: " + OidcClient.reason(error)).withHeader("Set-Cookie", clearLogin)
                        : redirect(302, (String) flow.getClaim("return"))
                                .withHeader("Set-Cookie", clearLogin)
                                .withHeader("Set-Cookie", Cookies.set(Cookies.SESSION, cookie, "/", config.sessionTtl(), secure)));
    }

    /** The ID token in the session has expired and the provider gave a refresh token: time to use it. */
    boolean needsRefresh(JWTClaimsSet session) {
        Object idExp = session.getClaim("idexp");
        return session.getClaim("rt") != null && idExp instanceof Number n && !Instant.ofEpochSecond(n.longValue()).isAfter(clock.instant());
    }

    /**
     * Refreshes the session and sends the client back to the same request (307 keeps method and body) with the new
     * cookie. When the provider refuses the refresh (revoked, used up) the session is cleared and the same redirect
     * meets the no-session answer; when the provider cannot be reached the session is kept and the refresh tried
     * again after {@link #RETRY_REFRESH}, so an outage of the provider signs nobody out. The burst of requests a page
     * sends with the same expired session shares one refresh ({@link RefreshOnce}), so a provider that accepts each
     * refresh token once signs nobody out either.
     */
    CompletableFuture<LocalResponse> refresh(LocalRequest request, JWTClaimsSet session) {
        String refreshToken = (String) session.getClaim("rt");
        Instant end = session.getExpirationTime().toInstant();
        return refreshes.refresh(refreshToken, () -> client.refresh(refreshToken)
                        .thenCompose(tokens -> client.verify(tokens.idToken(), null)
                                .thenApply(claims -> session(claims, tokens.refreshToken().or(() -> Optional.of(refreshToken)), end))))
                .handle((cookie, error) -> {
                    String next;
                    if (error == null) {
                        next = Cookies.set(Cookies.SESSION, cookie, "/", Duration.between(clock.instant(), end), secure);
                    } else if (OidcClient.refusedByProvider(error)) {
                        next = Cookies.clear(Cookies.SESSION, "/", secure);
                    } else {
                        String later = codec.seal(SessionCodec.SESSION, new JWTClaimsSet.Builder(session)
                                .claim("idexp", clock.instant().plus(RETRY_REFRESH).getEpochSecond()));
                        next = Cookies.set(Cookies.SESSION, later, "/", Duration.between(clock.instant(), end), secure);
                    }
                    return redirect(307, request.uri()).withHeader("Set-Cookie", next);
                });
    }

    /** Clears the session, then ends the provider's too when it offers end-session, coming back to the front page. */
    CompletableFuture<LocalResponse> logout(LocalRequest request) {
        String clear = Cookies.clear(Cookies.SESSION, "/", secure);
        String home = base(request) + "/";
        return client.discovery().handle((d, error) -> {
            if (error != null || d.endSession().isEmpty()) {
                return redirect(302, "/").withHeader("Set-Cookie", clear);
            }
            String end = d.endSession().get().toString();
            return redirect(302, end + (end.contains("?") ? "&" : "?") + "client_id=" + enc(oidc.clientId())
                    + "&post_logout_redirect_uri=" + enc(home)).withHeader("Set-Cookie", clear);
        });
    }

    /** The sealed session for verified ID token claims. */
    private String session(JWTClaimsSet id, Optional<String> refreshToken, Instant end) {
        String user = firstString(id, "preferred_username", "email", "sub");
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .subject(user)
                .expirationTime(Date.from(end))
                .claim("email", firstString(id, "email"))
                .claim("name", firstString(id, "name"))
                .claim("role", role(id))
                .claim("groups", strings(id.getClaim("groups")))
                .claim("idexp", id.getExpirationTime().toInstant().getEpochSecond());
        refreshToken.ifPresent(rt -> claims.claim("rt", rt));
        return codec.seal(SessionCodec.SESSION, claims);
    }

    /** The highest Grafana role any value of the role claim maps to; the default role otherwise. */
    String role(JWTClaimsSet id) {
        String best = oidc.defaultRole();
        if (oidc.roleClaim().isEmpty()) {
            return best;
        }
        for (String value : strings(id.getClaim(oidc.roleClaim()))) {
            String mapped = oidc.roles().get(value);
            if (mapped != null && RANK.indexOf(mapped) > RANK.indexOf(best)) {
                best = mapped;
            }
        }
        return best;
    }

    private static List<String> strings(Object claim) {
        List<String> out = new ArrayList<>();
        if (claim instanceof String s) {
            out.add(s);
        } else if (claim instanceof List<?> list) {
            list.forEach(v -> out.add(String.valueOf(v)));
        }
        return out;
    }

    private static String firstString(JWTClaimsSet claims, String... names) {
        for (String name : names) {
            try {
                String v = claims.getStringClaim(name);
                if (v != null && !v.isBlank()) {
                    return v;
                }
            } catch (ParseException e) {
                // not a string: try the next
            }
        }
        return "";
    }

    private String redirectUri(LocalRequest request) {
        return oidc.redirectUri().map(Object::toString).orElseGet(() -> base(request) + OidcGate.CALLBACK);
    }

    /** The gateway as the browser addressed it: the listener's scheme and the Host header. */
    private String base(LocalRequest request) {
        return (secure ? "https://" : "http://") + request.header("host").orElse("localhost");
    }

    private String randomToken() {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return Base64URL.encode(bytes).toString();
    }

    static String s256(String verifier) {
        try {
            return Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII))).toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? "" : values.get(0);
    }

    private static LocalResponse redirect(int status, String location) {
        return new LocalResponse(status, "text/plain; charset=utf-8", new byte[0]).withHeader("Location", location);
    }

    private static LocalResponse failed(int status, String message) {
        return new LocalResponse(status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static CompletableFuture<LocalResponse> done(LocalResponse response) {
        return CompletableFuture.completedFuture(response);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
