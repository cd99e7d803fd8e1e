package io.grafanaha.gateway.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.config.Secret;
import io.grafanaha.health.HealthService;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.gateway.reload.ConfigReload;
import io.grafanaha.gateway.reload.ReloadResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /api/*} endpoints of the admin listener: {@code GET /api/status} for anyone who can reach it
 * (it holds no secret), and the state-changing calls, each behind {@code Authorization: Bearer <admin.token>}.
 * Every call that tries to change something is logged as one line: who (remote address), what, result.
 *
 * <pre>{@code
 * new AdminApi(config.admin().token(), health, sync).register(admin);
 * }</pre>
 */
public final class AdminApi {
    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);
    private static final Pattern BACKEND_ACTION = Pattern.compile("^/api/backends/([^/]+)/(drain|enable)$");
    private static final int MAX_BODY = 64 * 1024;

    private final Secret token;
    private final HealthService health;
    private final SyncAccess sync;
    private final ActivityLog activity;
    private final Optional<ConfigReload> reload;
    private final ObjectMapper mapper = new ObjectMapper();
    private final StatusJson statusJson = new StatusJson(mapper);
    private final ReloadJson reloadJson = new ReloadJson(mapper);

    public AdminApi(Secret token, HealthService health, SyncAccess sync) {
        this(token, health, sync, new ActivityLog(java.time.Clock.systemUTC()));
    }

    /** With the sync's and write-back's activity shown in the status timeline. */
    public AdminApi(Secret token, HealthService health, SyncAccess sync, ActivityLog activity) {
        this(token, health, sync, activity, Optional.empty());
    }

    /** With {@code POST /api/reload} reading the file the gateway was started from again. */
    public AdminApi(Secret token, HealthService health, SyncAccess sync, ActivityLog activity, Optional<ConfigReload> reload) {
        this.reload = reload;
        this.token = token;
        this.health = health;
        this.sync = sync;
        this.activity = activity;
    }

    /** Adds the API and the ops page ({@code GET /}) that drives it. */
    public AdminServer register(AdminServer admin) {
        new OpsPage().register(admin);
        return admin.route("/api/status", this::status)
                .route("/api/failover", this::failover)
                .route("/api/failback", this::failback)
                .route("/api/sync", this::sync)
                .route("/api/reload", this::reload)
                .routePrefix("/api/backends/", this::backendAction);
    }

    /** The status document as a string, for the ops page and tests. */
    public String statusDocument() throws JsonProcessingException {
        ObjectNode root = statusJson.render(health.status(), sync.status(), activity.recent());
        reload.ifPresentOrElse(r -> root.set("config", reloadJson.config(r)), () -> root.putNull("config"));
        return mapper.writeValueAsString(root);
    }

    private void status(AdminExchange exchange) throws IOException {
        if (!exchange.method().equals("GET") && !exchange.method().equals("HEAD")) {
            methodNotAllowed(exchange, "GET, HEAD");
            return;
        }
        send(exchange, 200, statusDocument());
    }

    private void failover(AdminExchange exchange) throws IOException {
        if (!authorized(exchange, "failover")) {
            return;
        }
        String to;
        try {
            JsonNode body = readJson(exchange);
            JsonNode target = body == null ? null : body.get("to");
            if (target == null || !target.isTextual() || target.asText().isBlank()) {
                reply(exchange, "failover", 400, message("the body must be {\"to\": \"BACKEND\"}, naming the backend to serve"));
                return;
            }
            to = target.asText();
        } catch (BadRequest e) {
            reply(exchange, "failover", 400, message(e.getMessage()));
            return;
        }
        act(exchange, "failover to=" + to, () -> health.failover(to));
    }

    private void failback(AdminExchange exchange) throws IOException {
        if (!authorized(exchange, "failback")) {
            return;
        }
        act(exchange, "failback", health::failback);
    }

    private void backendAction(AdminExchange exchange) throws IOException {
        Matcher m = BACKEND_ACTION.matcher(exchange.path());
        if (!m.matches()) {
            send(exchange, 404, message("not found: use /api/backends/NAME/drain or /api/backends/NAME/enable"));
            return;
        }
        String name = m.group(1);
        String action = m.group(2);
        if (!authorized(exchange, action + " backend=" + name)) {
            return;
        }
        act(exchange, action + " backend=" + name, action.equals("drain") ? () -> health.drain(name) : () -> health.enable(name));
    }

    private void sync(AdminExchange exchange) throws IOException {
        if (!authorized(exchange, "sync")) {
            return;
        }
        String who = who(exchange);
        var started = sync.requestSync("admin request from " + who);
        if (started.isEmpty()) {
            reply(exchange, "sync", 404, message("sync is not configured"));
            return;
        }
        started.get().whenComplete((ok, failure) -> {
            if (failure != null) {
                log.warn("admin sync requested by {} failed: {}", who, failure.getMessage());
            } else {
                log.info("admin sync requested by {} finished", who);
            }
        });
        reply(exchange, "sync", 202, message("sync requested"));
    }

    /**
     * Reads the configuration file again and applies it: 200 with what was applied (and the keys that need a
     * restart), or 400 with every problem (key, line, message) and nothing changed.
     */
    private void reload(AdminExchange exchange) throws IOException {
        if (!authorized(exchange, "reload")) {
            return;
        }
        if (reload.isEmpty()) {
            reply(exchange, "reload", 404, message("this gateway was not started from a configuration file; there is nothing to reload"));
            return;
        }
        ReloadResult result = reload.get().reload("admin API from " + who(exchange));
        reply(exchange, "reload", result instanceof ReloadResult.Invalid ? 400 : 200,
                mapper.writeValueAsString(reloadJson.result(result)));
    }

    /** Runs an action on the health service and answers with the new status, or the error as 404 / 409. */
    private void act(AdminExchange exchange, String what, Runnable action) throws IOException {
        try {
            action.run();
        } catch (IllegalArgumentException e) {
            reply(exchange, what, 404, message(e.getMessage()));
            return;
        } catch (IllegalStateException e) {
            reply(exchange, what, 409, message(e.getMessage()));
            return;
        }
        log.info("admin action from {}: {} -> 200", who(exchange), what);
        send(exchange, 200, statusDocument());
    }

    /** POST with the right Bearer token; otherwise answers (405, 403, 401) and returns false. */
    private boolean authorized(AdminExchange exchange, String what) throws IOException {
        if (!exchange.method().equals("POST")) {
            methodNotAllowed(exchange, "POST");
            return false;
        }
        if (token == null || token.isEmpty()) {
            reply(exchange, what, 403, message("admin.token is not configured; admin actions are disabled"));
            return false;
        }
        String header = exchange.header("Authorization");
        String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
        if (!token.matches(presented)) {
            reply(exchange, what, 401, message("missing or wrong admin token"));
            return false;
        }
        return true;
    }

    private JsonNode readJson(AdminExchange exchange) throws IOException, BadRequest {
        byte[] bytes = exchange.body();
        if (bytes.length > MAX_BODY) {
            throw new BadRequest("the body is larger than " + MAX_BODY + " bytes");
        }
        if (bytes.length == 0) {
            return null;
        }
        try {
            return mapper.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new BadRequest("the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private void reply(AdminExchange exchange, String what, int status, String body) throws IOException {
        log.info("admin action from {}: {} -> {} {}", who(exchange), what, status, body);
        send(exchange, status, body);
    }

    private void methodNotAllowed(AdminExchange exchange, String allow) throws IOException {
        exchange.responseHeader("Allow", allow);
        send(exchange, 405, message("method not allowed; use " + allow));
    }

    private String message(String text) throws JsonProcessingException {
        return mapper.writeValueAsString(Map.of("message", text));
    }

    private static String who(AdminExchange exchange) {
        return String.valueOf(exchange.remoteAddress());
    }

    private static void send(AdminExchange exchange, int status, String body) throws IOException {
        exchange.responseHeader("Cache-Control", "no-store").send(status, "application/json", body);
    }

    private static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message);
        }
    }
}
