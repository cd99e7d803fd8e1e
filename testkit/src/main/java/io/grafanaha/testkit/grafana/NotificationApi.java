package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Contact points, the notification policy tree, message templates and mute timings of the alerting provisioning API;
 * status codes and bodies as in testkit/docs/alerting-and-datasources.md. Callers hold the store lock.
 */
final class NotificationApi {
    private static final String BASE = "/api/v1/provisioning";
    static final String REDACTED = "[REDACTED]";
    /** Settings Grafana stores encrypted and never returns, per integration type (a subset of Grafana's list). */
    private static final Map<String, Set<String>> SECURE = Map.of(
            "slack", Set.of("url", "token"),
            "webhook", Set.of("password", "authorization_credentials"),
            "pagerduty", Set.of("integrationKey"),
            "opsgenie", Set.of("apiKey"),
            "telegram", Set.of("bottoken"),
            "discord", Set.of("url"),
            "teams", Set.of("url"),
            "googlechat", Set.of("url"));
    private static final String DEFAULT_RECEIVER = "grafana-default-email";

    private final GrafanaStore store;
    private final Map<String, ObjectNode> contactPoints = new LinkedHashMap<>();
    private final Map<String, ObjectNode> templates = new LinkedHashMap<>();
    private final Map<String, ObjectNode> muteTimings = new LinkedHashMap<>();
    private ObjectNode policies = defaultPolicy();
    private long versions;

    NotificationApi(GrafanaStore store) {
        this.store = store;
        String uid = store.newUid();
        ObjectNode email = Json.object().put("uid", uid).put("name", DEFAULT_RECEIVER).put("type", "email");
        email.putObject("settings").put("addresses", "<example@email.com>");
        contactPoints.put(uid, email.put("disableResolveMessage", false).put("provenance", Provenance.NONE));
    }

    void register(Router router) {
        router.add("GET", BASE + "/contact-points", this::listContactPoints);
        router.add("POST", BASE + "/contact-points", this::postContactPoint);
        router.add("PUT", BASE + "/contact-points/:uid", this::putContactPoint);
        router.add("DELETE", BASE + "/contact-points/:uid", this::deleteContactPoint);
        router.add("GET", BASE + "/policies", req -> Json.ok(policies));
        router.add("PUT", BASE + "/policies", this::putPolicies);
        router.add("DELETE", BASE + "/policies", this::resetPolicies);
        router.add("GET", BASE + "/templates", req -> Json.ok(array(templates.values())));
        router.add("GET", BASE + "/templates/:name", req -> Json.ok(existing(templates, req.param("name"), "template")));
        router.add("PUT", BASE + "/templates/:name", this::putTemplate);
        router.add("DELETE", BASE + "/templates/:name", req -> delete(templates, req));
        router.add("GET", BASE + "/mute-timings", req -> Json.ok(array(muteTimings.values())));
        router.add("GET", BASE + "/mute-timings/:name",
                req -> Json.ok(existing(muteTimings, req.param("name"), "mute timing")));
        router.add("POST", BASE + "/mute-timings", this::postMuteTiming);
        router.add("PUT", BASE + "/mute-timings/:name", this::putMuteTiming);
        router.add("DELETE", BASE + "/mute-timings/:name", this::deleteMuteTiming);
    }

    /** For tests: contact points as stored, secrets included. */
    Map<String, ObjectNode> contactPoints() {
        return contactPoints;
    }

    /** {@code ?name=} filters; secure settings come back as {@code [REDACTED]}. */
    private ApiResponse listContactPoints(ApiRequest req) {
        String name = req.queryFirst("name").orElse("");
        ArrayNode out = Json.MAPPER.createArrayNode();
        contactPoints.values().stream().filter(c -> name.isEmpty() || c.path("name").asText().equals(name))
                .forEach(c -> out.add(redacted(c)));
        return Json.ok(out);
    }

    private ApiResponse postContactPoint(ApiRequest req) {
        ObjectNode cp = validContactPoint(body(req));
        String uid = cp.path("uid").asText("");
        if (uid.isEmpty()) {
            uid = store.newUid();
        } else if (contactPoints.containsKey(uid)) {
            throw Json.fail(Json.messageWithTrace(400, "contact point with uid " + uid + " already exists"));
        }
        cp.put("uid", uid).put("provenance", Provenance.of(req));
        contactPoints.put(uid, cp);
        return ApiResponse.json(202, Json.bytes(redacted(cp)));
    }

    /** A secure setting sent back as {@code [REDACTED]} keeps the stored secret. */
    private ApiResponse putContactPoint(ApiRequest req) {
        String uid = req.param("uid");
        ObjectNode stored = contactPoints.get(uid);
        if (stored == null) {
            throw Json.fail(Json.messageWithTrace(404, "contact point not found"));
        }
        String provenance = Provenance.of(req);
        Provenance.requireChangeAllowed(stored.path("provenance").asText(), provenance);
        ObjectNode cp = validContactPoint(body(req));
        cp.path("settings").fields().forEachRemaining(e -> {
            if (REDACTED.equals(e.getValue().asText())) {
                e.setValue(stored.path("settings").path(e.getKey()).deepCopy());
            }
        });
        String oldName = stored.path("name").asText();
        String newName = cp.path("name").asText();
        if (!oldName.equals(newName) && lastOfName(oldName)) {
            renameReceiver(policies, oldName, newName);
        }
        contactPoints.put(uid, cp.put("uid", uid).put("provenance", provenance));
        return ApiResponse.json(202, Json.bytes(Json.object().put("message", "contactpoint updated")));
    }

    /** Whether only one contact point (integration) carries {@code name}: renaming or deleting it removes the name. */
    private boolean lastOfName(String name) {
        return contactPoints.values().stream().filter(c -> c.path("name").asText().equals(name)).count() == 1;
    }

    /**
     * Grafana's rename of the last integration of a name (stitchReceiver's "full removal") renames the receiver in
     * every route too ({@code RenameReceiverInDependentResources}), so the tree never names a receiver that is gone.
     */
    private static void renameReceiver(JsonNode route, String from, String to) {
        if (route instanceof ObjectNode o && o.path("receiver").asText().equals(from)) {
            o.put("receiver", to);
        }
        route.path("routes").forEach(child -> renameReceiver(child, from, to));
    }

    private ApiResponse deleteContactPoint(ApiRequest req) {
        ObjectNode cp = contactPoints.get(req.param("uid"));
        if (cp != null) {
            String name = cp.path("name").asText();
            if (lastOfName(name) && receivers(policies).contains(name)) {
                throw Json.fail(AuthProxy.errutil(409, "Contact point is currently referenced by a notification "
                        + "policy.", "alerting.notifications.contact-points.referenced"));
            }
            contactPoints.remove(req.param("uid"));
        }
        return ApiResponse.json(202, Json.bytes(Json.object().put("message", "contactpoint deleted")));
    }

    private ApiResponse putPolicies(ApiRequest req) {
        ObjectNode tree = body(req);
        Set<String> known = new HashSet<>();
        contactPoints.values().forEach(c -> known.add(c.path("name").asText()));
        for (String receiver : receivers(tree)) {
            if (!known.contains(receiver)) {
                throw Json.fail(Json.messageWithTrace(400, "invalid object specification: receiver '" + receiver
                        + "' does not exist"));
            }
        }
        if (tree.path("receiver").asText("").isEmpty()) {
            throw Json.fail(Json.messageWithTrace(400, "invalid object specification: root route must specify a "
                    + "default receiver"));
        }
        String provenance = Provenance.of(req);
        Provenance.requireChangeAllowed(policies.path("provenance").asText(""), provenance);
        tree.remove("provenance");
        if (!provenance.isEmpty()) {
            tree.put("provenance", provenance);
        }
        policies = tree;
        return ApiResponse.json(202, Json.bytes(Json.object().put("message", "policies updated")));
    }

    private ApiResponse resetPolicies(ApiRequest req) {
        policies = defaultPolicy();
        return ApiResponse.json(202, Json.bytes(policies));
    }

    private ApiResponse putTemplate(ApiRequest req) {
        String name = req.param("name");
        ObjectNode body = body(req);
        if (body.path("template").asText("").isBlank()) {
            throw Json.fail(Json.messageWithTrace(400, "invalid object specification: template must have content"));
        }
        String provenance = Provenance.of(req);
        ObjectNode stored = templates.get(name);
        if (stored != null) {
            Provenance.requireChangeAllowed(stored.path("provenance").asText(), provenance);
        }
        ObjectNode t = Json.object().put("uid", name).put("name", name).put("template", body.path("template").asText())
                .put("provenance", provenance).put("version", Long.toString(++versions));
        templates.put(name, t);
        return ApiResponse.json(202, Json.bytes(t));
    }

    private ApiResponse postMuteTiming(ApiRequest req) {
        ObjectNode mt = validMuteTiming(body(req));
        String name = mt.path("name").asText();
        if (muteTimings.containsKey(name)) {
            throw Json.fail(Json.messageWithTrace(409, "a mute timing with this name already exists"));
        }
        mt.put("provenance", Provenance.of(req)).put("version", Long.toString(++versions));
        muteTimings.put(name, mt);
        return ApiResponse.json(201, Json.bytes(mt));
    }

    private ApiResponse putMuteTiming(ApiRequest req) {
        String name = req.param("name");
        ObjectNode stored = existing(muteTimings, name, "mute timing");
        ObjectNode body = body(req);
        if (body.path("name").asText("").isEmpty()) {
            body.put("name", name);
        }
        ObjectNode mt = validMuteTiming(body);
        String provenance = Provenance.of(req);
        Provenance.requireChangeAllowed(stored.path("provenance").asText(), provenance);
        mt.put("name", name).put("provenance", provenance).put("version", Long.toString(++versions));
        muteTimings.put(name, mt);
        return ApiResponse.json(202, Json.bytes(mt));
    }

    private ApiResponse deleteMuteTiming(ApiRequest req) {
        String name = req.param("name");
        if (muteTimeIntervals(policies).contains(name)) {
            throw Json.fail(Json.messageWithTrace(409, "mute timing '" + name
                    + "' is currently used by a notification policy"));
        }
        return delete(muteTimings, req);
    }

    private ApiResponse delete(Map<String, ObjectNode> items, ApiRequest req) {
        ObjectNode stored = items.get(req.param("name"));
        if (stored != null) {
            Provenance.requireChangeAllowed(stored.path("provenance").asText(), Provenance.of(req));
            items.remove(req.param("name"));
        }
        return AlertRuleApi.empty(204);
    }

    private static ObjectNode validContactPoint(ObjectNode cp) {
        if (cp.path("name").asText("").isBlank()) {
            throw Json.fail(Json.messageWithTrace(400, "invalid object specification: name must be specified"));
        }
        String type = cp.path("type").asText("");
        if (type.isEmpty() || !cp.path("settings").isObject()) {
            throw Json.fail(Json.messageWithTrace(400, "invalid object specification: type and settings must be "
                    + "specified"));
        }
        JsonNode s = cp.path("settings");
        if (type.equals("email") && s.path("addresses").asText("").isBlank()
                || type.equals("webhook") && s.path("url").asText("").isBlank()
                || type.equals("slack") && s.path("url").asText("").isBlank() && s.path("token").asText("").isBlank()) {
            throw Json.fail(Json.messageWithTrace(400, "invalid object specification: failed to validate integration \""
                    + cp.path("name").asText() + "\" (" + type + "): required settings are missing"));
        }
        if (!cp.has("disableResolveMessage")) {
            cp.put("disableResolveMessage", false);
        }
        return cp;
    }

    private static ObjectNode validMuteTiming(ObjectNode mt) {
        if (mt.path("name").asText("").isBlank()) {
            throw Json.fail(Json.messageWithTrace(400, "invalid object specification: name must be specified"));
        }
        if (!mt.path("time_intervals").isArray()) {
            mt.putArray("time_intervals");
        }
        return mt;
    }

    private static ObjectNode redacted(ObjectNode cp) {
        ObjectNode copy = cp.deepCopy();
        Set<String> secure = SECURE.getOrDefault(cp.path("type").asText(), Set.of());
        if (copy.path("settings") instanceof ObjectNode settings) {
            secure.stream().filter(settings::has).forEach(k -> settings.put(k, REDACTED));
        }
        return copy;
    }

    private static Set<String> receivers(JsonNode route) {
        Set<String> out = new HashSet<>();
        collect(route, "receiver", out);
        return out;
    }

    private static Set<String> muteTimeIntervals(JsonNode route) {
        Set<String> out = new HashSet<>();
        collect(route, "mute_time_intervals", out);
        return out;
    }

    private static void collect(JsonNode route, String field, Set<String> out) {
        JsonNode v = route.path(field);
        if (v.isTextual() && !v.asText().isEmpty()) {
            out.add(v.asText());
        }
        v.forEach(n -> out.add(n.asText()));
        route.path("routes").forEach(child -> collect(child, field, out));
    }

    private static ObjectNode existing(Map<String, ObjectNode> items, String name, String what) {
        ObjectNode found = items.get(name);
        if (found == null) {
            throw Json.fail(Json.messageWithTrace(404, what + " not found"));
        }
        return found;
    }

    private static ObjectNode defaultPolicy() {
        ObjectNode tree = Json.object().put("receiver", DEFAULT_RECEIVER);
        tree.putArray("group_by").add("grafana_folder").add("alertname");
        return tree;
    }

    private static ObjectNode body(ApiRequest req) {
        try {
            if (Json.parse(req.body()) instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException e) {
            // falls through to Grafana's bind error
        }
        throw Json.fail(Json.messageWithTrace(400, "bad request data"));
    }

    private static ArrayNode array(Iterable<ObjectNode> nodes) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        nodes.forEach(out::add);
        return out;
    }
}
