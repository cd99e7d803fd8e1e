package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What Grafana answers to one HTTP request, independent of Netty. The order of checks mirrors
 * Grafana's middleware chain: CSRF first, then the pre-auth health endpoints, login and static
 * pages, then the API router with per-route authentication (so unknown API paths are 404 even
 * unauthenticated), and the handler itself under the store lock.
 */
final class GrafanaApp {
    private final EmulatorOptions options;
    private final GrafanaStore store;
    private final Controls controls;
    private final Authenticator authenticator;
    private final SessionRegistry sessions;
    private final Router router = new Router();
    private final byte[] indexPage;
    private final AlertRuleApi alertRules;
    private final NotificationApi notifications;
    private final DatasourceApi datasources;

    GrafanaApp(EmulatorOptions options, GrafanaStore store, Controls controls, SessionRegistry sessions, Users users) {
        this.options = options;
        this.store = store;
        this.controls = controls;
        this.sessions = sessions;
        this.authenticator = new Authenticator(options, sessions, users);
        this.indexPage = IndexPage.render(options);
        DashboardSaver saver = new DashboardSaver(store, options.clock());
        new DashboardApi(store, saver, options.legacyVersionsArray()).register(router);
        if (major(options.version()) >= 12) { // the /apis dashboard resource API came with Grafana 12
            new DashboardResourceApi(store, saver).register(router);
        }
        new FolderApi(store, options.clock()).register(router);
        new SearchApi(store).register(router);
        new UserApi(users).register(router);
        new LibraryElementApi(store, options.clock()).register(router);
        this.alertRules = new AlertRuleApi(store);
        alertRules.register(router);
        this.notifications = new NotificationApi(store);
        notifications.register(router);
        this.datasources = new DatasourceApi(store);
        datasources.register(router);
    }

    /** What the alerting and data source APIs hold, for tests; read under the store lock. */
    EmulatorResources resources() {
        return new EmulatorResources(store, alertRules, notifications, datasources);
    }

    ApiResponse handle(ApiRequest req) {
        Optional<ApiResponse> csrf = CsrfCheck.check(req.method(), req.headers());
        if (csrf.isPresent()) {
            return csrf.get();
        }
        boolean getOrHead = req.method().equals("GET") || req.method().equals("HEAD");
        if (getOrHead && req.path().equals("/api/health")) {
            return health();
        }
        if (getOrHead && req.path().equals("/healthz")) {
            return new ApiResponse(200, "text/plain; charset=utf-8", "Ok".getBytes(StandardCharsets.UTF_8), java.util.Map.of());
        }
        if (req.method().equals("POST") && req.path().equals("/login")) {
            return login(req);
        }
        // /apis/... is Grafana 12's Kubernetes-style API: routed and authenticated like /api/...
        boolean api = req.path().equals("/api") || req.path().startsWith("/api/") || req.path().startsWith("/apis/");
        if (!api && getOrHead && IndexPage.isStatic(req.path())) {
            return IndexPage.asset(req.path()).orElseGet(() -> ApiResponse.plain(404, "404 page not found"));
        }
        if (!api) {
            return getOrHead ? page() : notFound();
        }
        int injected = controls.takeInjected();
        if (injected != 0) {
            return Json.messageWithTrace(injected, HttpResponseStatus.valueOf(injected).reasonPhrase());
        }
        Optional<Router.Match> match = router.match(req.method(), req.path());
        if (match.isEmpty()) {
            return notFound();
        }
        Authenticator.Result caller = authenticator.authenticate(req.headers(), req.remote());
        if (!caller.signedIn()) {
            return caller.refusal();
        }
        ApiRequest authed = req.withLogin(caller.login().get()).withParams(match.get().params());
        synchronized (store) {
            try {
                return match.get().handler().handle(authed);
            } catch (ApiException e) {
                return e.response();
            }
        }
    }

    /**
     * Grafana Live's upgrade checks (grafana-api.md §2.3): a signed-in user, and an Origin (when
     * sent) whose host matches the Host header. Returns the rejection, or empty to upgrade.
     */
    Optional<ApiResponse> liveUpgradeRejection(HttpHeaders headers, java.net.InetSocketAddress remote) {
        Authenticator.Result caller = authenticator.authenticate(headers, remote);
        if (!caller.signedIn()) {
            return Optional.of(caller.refusal());
        }
        String origin = headers.get(HttpHeaderNames.ORIGIN);
        if (origin == null || origin.isEmpty()) {
            return Optional.empty();
        }
        return CsrfCheck.originMatchesHost(origin, headers.get(HttpHeaderNames.HOST),
                "websocket: request origin not allowed by Upgrader.CheckOrigin");
    }

    /** §1.2: pretty-printed like Go's MarshalIndent, fields in struct order. */
    private ApiResponse health() {
        boolean failing = controls.databaseFailing();
        String body = "{\n  \"database\": \"" + (failing ? "failing" : "ok") + "\",\n"
                + "  \"version\": " + Json.quote(options.version()) + ",\n"
                + "  \"commit\": " + Json.quote(options.commit()) + "\n}";
        return new ApiResponse(failing ? 503 : 200, "application/json; charset=UTF-8",
                body.getBytes(StandardCharsets.UTF_8), java.util.Map.of());
    }

    /** §1.9: sets grafana_session (HttpOnly) and grafana_session_expiry. */
    private ApiResponse login(ApiRequest req) {
        String user;
        String password;
        try {
            JsonNode body = Json.parse(req.body());
            user = body == null ? "" : body.path("user").asText("");
            password = body == null ? "" : body.path("password").asText("");
        } catch (IOException e) {
            return Json.messageWithTrace(400, "bad login data");
        }
        if (!authenticator.passwordMatches(user, password)) {
            return ApiResponse.json(401, ("{\"message\":\"Invalid username or password\",\"messageId\":\"password-auth.failed\","
                    + "\"statusCode\":401,\"traceID\":\"\"}").getBytes(StandardCharsets.UTF_8));
        }
        String token = sessions.open(user);
        long expiry = options.clock().instant().getEpochSecond() + 600;
        return Json.ok(Json.object().put("message", "Logged in").put("redirectUrl", "/"))
                .withHeader("Set-Cookie",
                        Authenticator.SESSION_COOKIE + "=" + token + "; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax",
                        "grafana_session_expiry=" + expiry + "; Path=/; Max-Age=2592000; SameSite=Lax");
    }

    private ApiResponse page() {
        return new ApiResponse(200, "text/html; charset=UTF-8", indexPage, java.util.Map.of())
                .withHeader("Cache-Control", "no-store")
                .withHeader("X-Frame-Options", "deny");
    }

    private static ApiResponse notFound() {
        return Json.message(404, "Not found");
    }

    /** The major version of a version string such as {@code 12.1.0}; an unreadable one counts as current. */
    private static int major(String version) {
        try {
            return Integer.parseInt(version.split("\\.")[0].trim());
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }
}
