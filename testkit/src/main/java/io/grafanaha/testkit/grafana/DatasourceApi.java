package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/datasources} by uid (testkit/docs/alerting-and-datasources.md). {@code secureJsonData} is kept apart and
 * never returned: reads show only {@code secureJsonFields: {key: true}}. Callers hold the store lock.
 */
final class DatasourceApi {
    private static final List<String> LIST_FIELDS = List.of("id", "uid", "orgId", "name", "type", "typeLogoUrl",
            "access", "url", "user", "database", "basicAuth", "isDefault", "jsonData", "readOnly");

    private final GrafanaStore store;
    private final Map<String, ObjectNode> datasources = new LinkedHashMap<>();
    private final Map<String, ObjectNode> secure = new LinkedHashMap<>();

    DatasourceApi(GrafanaStore store) {
        this.store = store;
    }

    void register(Router router) {
        router.add("GET", "/api/datasources", this::list);
        router.add("POST", "/api/datasources", this::create);
        router.add("GET", "/api/datasources/uid/:uid", req -> Json.ok(existing(req.param("uid"))));
        router.add("PUT", "/api/datasources/uid/:uid", this::update);
        router.add("DELETE", "/api/datasources/uid/:uid", this::delete);
    }

    /** For tests: uid → the secure values as stored. */
    Map<String, ObjectNode> secureData() {
        return secure;
    }

    /** For tests: uid → the data source as reads show it. */
    Map<String, ObjectNode> datasources() {
        return datasources;
    }

    private ApiResponse list(ApiRequest req) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (ObjectNode ds : datasources.values()) {
            ObjectNode item = out.addObject();
            LIST_FIELDS.forEach(f -> item.set(f, ds.get(f)));
        }
        return Json.ok(out);
    }

    private ApiResponse create(ApiRequest req) {
        ObjectNode body = body(req);
        String name = body.path("name").asText("");
        if (name.isBlank() || body.path("type").asText("").isBlank()) {
            throw Json.fail(Json.messageWithTrace(400, "bad request data"));
        }
        if (datasources.values().stream().anyMatch(d -> d.path("name").asText().equals(name))) {
            throw Json.fail(Json.messageWithTrace(409, "data source with the same name already exists"));
        }
        String uid = body.path("uid").asText("");
        if (uid.isEmpty()) {
            uid = store.newUid();
        } else if (datasources.containsKey(uid)) {
            throw Json.fail(Json.messageWithTrace(409, "data source with the same uid already exists"));
        } else if (!uid.matches("[a-zA-Z0-9_-]{1,40}")) {
            throw Json.fail(Json.messageWithTrace(400, "invalid uid: " + uid));
        }
        ObjectNode ds = stored(body, uid, store.nextId(), 1, Json.object());
        return Json.ok(Json.object().<ObjectNode>set("datasource", ds).put("id", ds.path("id").asLong())
                .put("message", "Datasource added").put("name", name));
    }

    /** Secure keys the body names replace the stored ones; the others stay. */
    private ApiResponse update(ApiRequest req) {
        ObjectNode current = existing(req.param("uid"));
        if (current.path("readOnly").asBoolean()) {
            throw Json.fail(Json.messageWithTrace(403, "Cannot modify read-only data source"));
        }
        ObjectNode body = body(req);
        String name = body.path("name").asText("");
        if (name.isBlank() || body.path("type").asText("").isBlank()) {
            throw Json.fail(Json.messageWithTrace(400, "bad request data"));
        }
        if (datasources.values().stream().anyMatch(d -> d != current && d.path("name").asText().equals(name))) {
            throw Json.fail(Json.messageWithTrace(409, "data source with the same name already exists"));
        }
        String uid = current.path("uid").asText();
        ObjectNode ds = stored(body, uid, current.path("id").asLong(), current.path("version").asInt() + 1,
                secure.getOrDefault(uid, Json.object()));
        return Json.ok(Json.object().<ObjectNode>set("datasource", ds).put("id", ds.path("id").asLong())
                .put("message", "Datasource updated").put("name", name));
    }

    private ApiResponse delete(ApiRequest req) {
        ObjectNode current = existing(req.param("uid"));
        if (current.path("readOnly").asBoolean()) {
            throw Json.fail(Json.messageWithTrace(403, "Cannot delete read-only data source"));
        }
        datasources.remove(req.param("uid"));
        secure.remove(req.param("uid"));
        return Json.ok(Json.object().put("message", "Data source deleted").put("id", current.path("id").asLong()));
    }

    private ObjectNode stored(ObjectNode body, String uid, long id, int version, ObjectNode keptSecure) {
        ObjectNode secrets = keptSecure.deepCopy();
        if (body.path("secureJsonData") instanceof ObjectNode given) {
            secrets.setAll(given);
        }
        secure.put(uid, secrets);
        ObjectNode ds = Json.object().put("id", id).put("uid", uid).put("orgId", 1)
                .put("name", body.path("name").asText()).put("type", body.path("type").asText())
                .put("typeLogoUrl", "public/app/plugins/datasource/" + body.path("type").asText() + "/img/logo.svg")
                .put("access", body.path("access").asText("proxy")).put("url", body.path("url").asText(""))
                .put("user", body.path("user").asText("")).put("database", body.path("database").asText(""))
                .put("basicAuth", body.path("basicAuth").asBoolean(false))
                .put("basicAuthUser", body.path("basicAuthUser").asText(""))
                .put("withCredentials", body.path("withCredentials").asBoolean(false))
                .put("isDefault", body.path("isDefault").asBoolean(false));
        ds.set("jsonData", body.path("jsonData").isObject() ? body.get("jsonData").deepCopy() : Json.object());
        ObjectNode fields = ds.putObject("secureJsonFields");
        secrets.fieldNames().forEachRemaining(k -> fields.put(k, true));
        ds.put("version", version).put("readOnly", false);
        datasources.put(uid, ds);
        return ds;
    }

    private ObjectNode existing(String uid) {
        ObjectNode ds = datasources.get(uid);
        if (ds == null) {
            throw Json.fail(Json.message(404, "Data source not found"));
        }
        return ds;
    }

    private static ObjectNode body(ApiRequest req) {
        try {
            JsonNode node = Json.parse(req.body());
            if (node instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException e) {
            // falls through to Grafana's bind error
        }
        throw Json.fail(Json.messageWithTrace(400, "bad request data"));
    }
}
