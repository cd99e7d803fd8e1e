package io.grafanaha.gateway.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import io.grafanaha.gateway.config.AuthConfig;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.proxy.LocalHandler;
import io.grafanaha.gateway.proxy.LocalResponse;
import io.grafanaha.gateway.proxy.LocalRoutes;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@code auth.mode: oidc}: people sign in at an OpenID Connect provider and the gateway keeps who they are
 * in an encrypted cookie, so any gateway and any Grafana behind it serve them, before and after a failover.
 * A request with a valid session goes on as its user; without one a browser page request is sent to the
 * provider, an API request gets Grafana's 401. Requests that carry their own {@code Authorization}
 * (service-account tokens) and Grafana's pre-auth paths go on as nobody's: Grafana decides. The
 * network half (sign-in, callback, refresh, sign-out) is in {@link OidcSignIn}.
 */
public final class OidcGate implements AuthGate {
    static final String CALLBACK = "/_gateway/auth/callback";
    static final byte[] UNAUTHORIZED =
            "{\"extra\":null,\"message\":\"Unauthorized\",\"messageId\":\"auth.unauthorized\",\"statusCode\":401,\"traceID\":\"\"}"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private static final List<String> PRE_AUTH = List.of("/api/health", "/healthz", "/public/", "/favicon.ico",
            "/robots.txt");

    private final SessionCodec codec;
    private final GrafanaIdentityHeaders out;
    private final OidcSignIn signIn;

    OidcGate(AuthConfig config, OidcClient client, Clock clock, boolean secure) {
        this.codec = new SessionCodec(config.sessionSecret(), clock);
        this.out = new GrafanaIdentityHeaders(config.grafana(), config.headersEncoded());
        this.signIn = new OidcSignIn(config, client, codec, clock, secure);
    }

    /** The gate for a configuration whose {@code auth.mode} is oidc, talking to the provider with its own HTTP client. */
    public static OidcGate create(GatewayConfig config, Clock clock) {
        AuthConfig auth = config.auth();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        OidcClient client = new OidcClient(auth.oidc().orElseThrow(() -> new IllegalArgumentException("auth.oidc is not set")),
                http);
        return new OidcGate(auth, client, clock, config.tls().isPresent());
    }

    @Override
    public boolean active() {
        return true;
    }

    @Override
    public Decision decide(String method, String uri, HttpHeaders headers, InetSocketAddress peer) {
        Optional<JWTClaimsSet> session = Cookies.read(headers, Cookies.SESSION).flatMap(v -> codec.open(SessionCodec.SESSION, v));
        if (session.isPresent()) {
            JWTClaimsSet claims = session.get();
            if (signIn.needsRefresh(claims)) {
                return new Decision.Answer(request -> signIn.refresh(request, claims));
            }
            Identity identity = identity(claims);
            if (identity != null) {
                return out.sendable(identity) ? new Decision.Forward(identity) : new Decision.Answer(HeaderText.notSendable());
            }
        }
        String path = path(uri);
        if (headers.contains(HttpHeaderNames.AUTHORIZATION) || preAuth(path)) {
            return ANONYMOUS;
        }
        if (browserPage(method, headers)) {
            String back = returnTo(uri);
            return new Decision.Answer(request -> signIn.start(request, back));
        }
        return new Decision.Answer(request -> CompletableFuture.completedFuture(
                new LocalResponse(401, "application/json", UNAUTHORIZED)));
    }

    @Override
    public void toGrafana(HttpHeaders headers, Identity identity) {
        Cookies.strip(headers);
        out.set(headers, identity);
    }

    /** {@code GET /login} (Grafana's sign-in page) starts a sign-in; the callback; {@code /logout} ends the session. */
    @Override
    public LocalRoutes routes() {
        return (method, path) -> {
            boolean get = method.equals("GET") || method.equals("HEAD");
            LocalHandler handler = null;
            if (get && path.equals("/login")) {
                handler = request -> signIn.start(request, "/");
            } else if (get && path.equals(CALLBACK)) {
                handler = signIn::callback;
            } else if ((get || method.equals("POST")) && path.equals("/logout")) {
                handler = signIn::logout;
            }
            return Optional.ofNullable(handler);
        };
    }

    /** The identity a session holds (null when the cookie's claims cannot make one). */
    static Identity identity(JWTClaimsSet claims) {
        try {
            List<String> groups = claims.getStringListClaim("groups");
            return Identity.of(claims.getSubject(), claims.getStringClaim("email"), claims.getStringClaim("name"),
                    claims.getStringClaim("role"), groups == null ? List.of() : groups);
        } catch (ParseException e) {
            return null;
        }
    }

    /**
     * Where to send the browser after sign-in: the page it asked for, when that is a path on this site. "//host"
     * and "/\\host" would be another site to a browser (an open redirect), so they become "/".
     */
    static String returnTo(String uri) {
        boolean local = uri.startsWith("/") && !uri.startsWith("//") && !uri.startsWith("/\\") && uri.indexOf('\\') < 0
                && uri.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
        return local ? uri : "/";
    }

    private static boolean preAuth(String path) {
        for (String p : PRE_AUTH) {
            if (p.endsWith("/") ? path.startsWith(p) : path.equals(p)) {
                return true;
            }
        }
        return false;
    }

    /** A navigation a browser makes (GET of a page): it can follow a redirect to the provider; an XHR cannot usefully. */
    private static boolean browserPage(String method, HttpHeaders headers) {
        return (method.equals("GET") || method.equals("HEAD"))
                && headers.get(HttpHeaderNames.ACCEPT, "").contains("text/html")
                && !headers.get(HttpHeaderNames.UPGRADE, "").toLowerCase(java.util.Locale.ROOT).contains("websocket");
    }

    private static String path(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }
}
