package io.grafanaha.gateway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.grafanaha.gateway.config.AuthConfig;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;

/**
 * The gateway's side of talking to the OpenID Connect provider: the discovery document (fetched once,
 * again after a failure), the JWKS (cached; fetched again when a token names a key it does not hold, one
 * fetch at a time: ID tokens come only from the provider's own token endpoint, so a stranger cannot make
 * the gateway fetch keys at will), the code exchange and the refresh at the token endpoint, and the
 * ID token check (signature by an asymmetric key of the JWKS, iss, aud, exp, and the nonce of the
 * sign-in). All I/O is the JDK HttpClient's {@code sendAsync}: nothing here blocks the caller.
 */
final class OidcClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.ES512, JWSAlgorithm.EdDSA);

    /** What the discovery document says, of what the gateway uses. */
    record Discovery(String issuer, URI authorization, URI token, URI jwks, Optional<URI> endSession) {}

    /** The token endpoint's answer. */
    record Tokens(String idToken, Optional<String> refreshToken) {}

    /** Why a sign-in failed, in words a log line or an error page can carry. */
    static final class SignInFailed extends RuntimeException {
        /** The provider itself said no (a 4xx from its token endpoint), as opposed to being unreachable or failing. */
        final boolean refusedByProvider;

        SignInFailed(String message) {
            this(message, false);
        }

        SignInFailed(String message, boolean refusedByProvider) {
            super(message);
            this.refusedByProvider = refusedByProvider;
        }
    }

    private final AuthConfig.OidcConfig config;
    private final HttpClient http;
    private volatile CompletableFuture<Discovery> discovery;
    private volatile JWKSet keys = new JWKSet();
    private volatile CompletableFuture<JWKSet> fetching;

    OidcClient(AuthConfig.OidcConfig config, HttpClient http) {
        this.config = config;
        this.http = http;
    }

    CompletableFuture<Discovery> discovery() {
        CompletableFuture<Discovery> current = discovery;
        if (current != null && !current.isCompletedExceptionally()) {
            return current;
        }
        String base = config.issuer().toString().replaceAll("/+$", "");
        CompletableFuture<Discovery> next = get(URI.create(base + "/.well-known/openid-configuration"))
                .thenApply(body -> parseDiscovery(body, base));
        discovery = next;
        return next;
    }

    private static Discovery parseDiscovery(String body, String expectedIssuer) {
        try {
            Map<String, Object> d = JSONObjectUtils.parse(body);
            String issuer = JSONObjectUtils.getString(d, "issuer");
            if (issuer == null || !issuer.replaceAll("/+$", "").equals(expectedIssuer)) {
                throw new SignInFailed("the discovery document names issuer " + issuer + ", not " + expectedIssuer);
            }
            URI end = JSONObjectUtils.getURI(d, "end_session_endpoint");
            return new Discovery(issuer, required(d, "authorization_endpoint"), required(d, "token_endpoint"),
                    required(d, "jwks_uri"), Optional.ofNullable(end));
        } catch (ParseException e) {
            throw new SignInFailed("the discovery document is not JSON: " + e.getMessage());
        }
    }

    private static URI required(Map<String, Object> d, String key) throws ParseException {
        URI uri = JSONObjectUtils.getURI(d, key);
        if (uri == null) {
            throw new SignInFailed("the discovery document has no " + key);
        }
        return uri;
    }

    CompletableFuture<Tokens> exchange(String code, String verifier, String redirectUri) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", redirectUri);
        form.put("code_verifier", verifier);
        return discovery().thenCompose(d -> post(d.token(), form));
    }

    CompletableFuture<Tokens> refresh(String refreshToken) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", refreshToken);
        return discovery().thenCompose(d -> post(d.token(), form));
    }

    /** The ID token's claims once signature, iss, aud, exp (and the nonce, when given) check out. */
    CompletableFuture<JWTClaimsSet> verify(String idToken, String nonce) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(idToken);
        } catch (ParseException e) {
            return CompletableFuture.failedFuture(new SignInFailed("the ID token is not a signed JWT"));
        }
        String kid = jwt.getHeader().getKeyID();
        boolean known = kid == null ? !keys.getKeys().isEmpty() : keys.getKeyByKeyId(kid) != null;
        CompletableFuture<JWKSet> source = known ? CompletableFuture.completedFuture(keys) : fetchKeys();
        return discovery().thenCompose(d -> source.thenApply(k -> check(jwt, k, d.issuer(), nonce)));
    }

    /** The provider's current keys; concurrent callers share one fetch. */
    private synchronized CompletableFuture<JWKSet> fetchKeys() {
        CompletableFuture<JWKSet> inFlight = fetching;
        if (inFlight != null && !inFlight.isDone()) {
            return inFlight;
        }
        CompletableFuture<JWKSet> next = discovery().thenCompose(d -> get(d.jwks())).thenApply(body -> {
            try {
                JWKSet fetched = JWKSet.parse(body);
                keys = fetched;
                return fetched;
            } catch (ParseException e) {
                throw new SignInFailed("the provider's JWKS is not a JWK set: " + e.getMessage());
            }
        });
        fetching = next;
        return next;
    }

    private JWTClaimsSet check(SignedJWT jwt, JWKSet keySet, String issuer, String nonce) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, new ImmutableJWKSet<>(keySet)));
        JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder().issuer(issuer);
        if (nonce != null) {
            exact.claim("nonce", nonce);
        }
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(config.clientId(), exact.build(),
                new HashSet<>(Set.of("sub", "iat", "exp"))));
        try {
            return processor.process(jwt, null);
        } catch (BadJOSEException | JOSEException e) {
            throw new SignInFailed("the ID token was refused: " + e.getMessage());
        }
    }

    private CompletableFuture<Tokens> post(URI endpoint, Map<String, String> form) {
        String body = form.entrySet().stream().map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
        String basic = Base64.getEncoder().encodeToString((enc(config.clientId()) + ":" + enc(config.clientSecret().reveal()))
                .getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .header("Authorization", "Basic " + basic)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(res -> {
            if (res.statusCode() != 200) {
                throw new SignInFailed("the token endpoint answered " + res.statusCode() + ": " + abbreviate(res.body()),
                        res.statusCode() >= 400 && res.statusCode() < 500);
            }
            try {
                Map<String, Object> json = JSONObjectUtils.parse(res.body());
                String idToken = JSONObjectUtils.getString(json, "id_token");
                if (idToken == null) {
                    throw new SignInFailed("the token endpoint gave no id_token (is openid among the scopes?)");
                }
                return new Tokens(idToken, Optional.ofNullable(JSONObjectUtils.getString(json, "refresh_token")));
            } catch (ParseException e) {
                throw new SignInFailed("the token endpoint's answer is not JSON");
            }
        });
    }

    private CompletableFuture<String> get(URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json").GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(res -> {
            if (res.statusCode() != 200) {
                throw new SignInFailed(uri + " answered " + res.statusCode());
            }
            return res.body();
        });
    }

    /** Whether a failure is the provider refusing (the grant is revoked or used up), not an outage. */
    static boolean refusedByProvider(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return cause instanceof SignInFailed f && f.refusedByProvider;
    }

    /** The failure's own message, unwrapped from the future's wrapping. */
    static String reason(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return cause instanceof SignInFailed ? cause.getMessage() : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
