package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Alert rules and rule groups of the alerting provisioning API ({@code /api/v1/provisioning/alert-rules},
 * {@code /folder/:folderUid/rule-groups/:group}); status codes and bodies as in testkit/docs/alerting-and-datasources.md.
 * Rules are kept in the API's {@code ProvisionedAlertRule} shape. Callers hold the store lock.
 */
final class AlertRuleApi {
    private static final String BASE = "/api/v1/provisioning";
    /** Grafana's default scheduler tick: a group interval must be a positive multiple of it. */
    private static final long BASE_INTERVAL_SECONDS = 10;

    private final GrafanaStore store;
    private final Map<String, ObjectNode> rules = new LinkedHashMap<>();
    private final Map<String, Long> intervals = new LinkedHashMap<>();

    AlertRuleApi(GrafanaStore store) {
        this.store = store;
    }

    void register(Router router) {
        router.add("GET", BASE + "/alert-rules", req -> Json.ok(array(rules.values())));
        router.add("GET", BASE + "/alert-rules/export", this::exportAll);
        router.add("GET", BASE + "/alert-rules/:uid", this::getRule);
        router.add("POST", BASE + "/alert-rules", this::postRule);
        router.add("PUT", BASE + "/alert-rules/:uid", this::putRule);
        router.add("DELETE", BASE + "/alert-rules/:uid", this::deleteRule);
        router.add("GET", BASE + "/folder/:folderUid/rule-groups/:group", this::getGroup);
        router.add("GET", BASE + "/folder/:folderUid/rule-groups/:group/export", this::exportGroup);
        router.add("PUT", BASE + "/folder/:folderUid/rule-groups/:group", this::putGroup);
        router.add("DELETE", BASE + "/folder/:folderUid/rule-groups/:group", this::deleteGroup);
    }

    /** For tests: the rules as the API returns them. */
    Map<String, ObjectNode> rules() {
        return rules;
    }

    private ApiResponse getRule(ApiRequest req) {
        ObjectNode rule = rules.get(req.param("uid"));
        return rule == null ? empty(404) : Json.ok(rule);
    }

    private ApiResponse postRule(ApiRequest req) {
        ObjectNode rule = body(req);
        String uid = rule.path("uid").asText("");
        if (uid.isEmpty()) {
            uid = store.newUid();
        } else if (rules.containsKey(uid)) {
            throw Json.fail(Json.messageWithTrace(400, "failed to insert alert rules: a conflicting alert rule is "
                    + "found: rule UID under the same organisation should be unique"));
        }
        ObjectNode stored = validated(rule, uid, Provenance.of(req));
        intervals.putIfAbsent(groupKey(stored), 60L);
        rules.put(uid, stored);
        return ApiResponse.json(201, Json.bytes(stored));
    }

    private ApiResponse putRule(ApiRequest req) {
        String uid = req.param("uid");
        ObjectNode existing = rules.get(uid);
        if (existing == null) {
            return empty(404);
        }
        String provenance = Provenance.of(req);
        Provenance.requireChangeAllowed(existing.path("provenance").asText(), provenance);
        ObjectNode stored = validated(body(req), uid, provenance);
        intervals.putIfAbsent(groupKey(stored), 60L);
        rules.put(uid, stored);
        return Json.ok(stored);
    }

    private ApiResponse deleteRule(ApiRequest req) {
        ObjectNode existing = rules.get(req.param("uid"));
        if (existing != null) {
            Provenance.requireChangeAllowed(existing.path("provenance").asText(), Provenance.of(req));
            rules.remove(req.param("uid"));
        }
        return empty(204);
    }

    private ApiResponse getGroup(ApiRequest req) {
        List<ObjectNode> group = group(req.param("folderUid"), req.param("group"));
        if (group.isEmpty()) {
            throw Json.fail(Json.messageWithTrace(404, "rule group not found under this folder"));
        }
        ObjectNode body = Json.object().put("title", req.param("group")).put("folderUid", req.param("folderUid"))
                .put("interval", intervals.getOrDefault(groupKey(req.param("folderUid"), req.param("group")), 60L));
        body.set("rules", array(group));
        return Json.ok(body);
    }

    /** Replaces the group: rules in it that the body leaves out are deleted, the others created or updated. */
    private ApiResponse putGroup(ApiRequest req) {
        String folderUid = req.param("folderUid");
        String name = req.param("group");
        ObjectNode body = body(req);
        long interval = body.path("interval").asLong(0);
        if (interval <= 0 || interval % BASE_INTERVAL_SECONDS != 0) {
            throw Json.fail(Json.messageWithTrace(400, "invalid alert rule: interval (" + interval + "s) should be "
                    + "non-zero and divided exactly by scheduler interval: " + BASE_INTERVAL_SECONDS + "s"));
        }
        String provenance = Provenance.of(req);
        List<ObjectNode> replaced = group(folderUid, name);
        replaced.forEach(r -> Provenance.requireChangeAllowed(r.path("provenance").asText(), provenance));
        Map<String, ObjectNode> incoming = new LinkedHashMap<>();
        for (JsonNode r : body.path("rules")) {
            if (!(r instanceof ObjectNode rule)) {
                throw Json.fail(Json.messageWithTrace(400, "bad request data"));
            }
            String uid = rule.path("uid").asText("");
            uid = uid.isEmpty() ? store.newUid() : uid;
            ObjectNode existing = rules.get(uid);
            if (existing != null) {
                Provenance.requireChangeAllowed(existing.path("provenance").asText(), provenance);
            }
            rule.put("folderUID", folderUid).put("ruleGroup", name);
            if (incoming.put(uid, validated(rule, uid, provenance)) != null) {
                throw Json.fail(Json.messageWithTrace(400, "invalid alert rule: rule UID " + uid
                        + " appears more than once in the group"));
            }
        }
        replaced.forEach(r -> rules.remove(r.path("uid").asText()));
        rules.putAll(incoming);
        intervals.put(groupKey(folderUid, name), interval);
        body.put("folderUid", folderUid).put("title", name);
        return Json.ok(body);
    }

    private ApiResponse deleteGroup(ApiRequest req) {
        List<ObjectNode> group = group(req.param("folderUid"), req.param("group"));
        if (group.isEmpty()) {
            throw Json.fail(Json.messageWithTrace(404, "rule group not found under this folder"));
        }
        String provenance = Provenance.of(req);
        group.forEach(r -> Provenance.requireChangeAllowed(r.path("provenance").asText(), provenance));
        group.forEach(r -> rules.remove(r.path("uid").asText()));
        intervals.remove(groupKey(req.param("folderUid"), req.param("group")));
        return empty(204);
    }

    /** {@code ?folderUid=} (repeatable) narrows to folders, {@code &group=} to one group of one folder. */
    private ApiResponse exportAll(ApiRequest req) {
        Set<String> folders = new HashSet<>(req.queryList("folderUid"));
        String onlyGroup = req.queryFirst("group").orElse("");
        if (!onlyGroup.isEmpty() && folders.size() != 1) {
            throw Json.fail(Json.messageWithTrace(400, "group name must be specified together with a single "
                    + "folder_uid parameter. Got " + folders.size()));
        }
        Set<String> keys = new LinkedHashSet<>();
        rules.values().stream()
                .filter(r -> folders.isEmpty() || folders.contains(r.path("folderUID").asText()))
                .filter(r -> onlyGroup.isEmpty() || onlyGroup.equals(r.path("ruleGroup").asText()))
                .forEach(r -> keys.add(groupKey(r)));
        if (keys.isEmpty()) {
            return empty(404);
        }
        return export(req, keys);
    }

    private ApiResponse exportGroup(ApiRequest req) {
        String key = groupKey(req.param("folderUid"), req.param("group"));
        if (group(req.param("folderUid"), req.param("group")).isEmpty()) {
            throw Json.fail(Json.messageWithTrace(404, "rule group not found under this folder"));
        }
        return export(req, Set.of(key));
    }

    private ApiResponse export(ApiRequest req, Set<String> groupKeys) {
        ArrayNode groups = Json.MAPPER.createArrayNode();
        for (String key : groupKeys) {
            String folderUid = key.substring(0, key.indexOf('\0'));
            String name = key.substring(key.indexOf('\0') + 1);
            ObjectNode g = groups.addObject().put("orgId", 1).put("name", name)
                    .put("folder", store.folder(folderUid).map(StoredFolder::title).orElse(folderUid))
                    .put("interval", ExportFormat.duration(intervals.getOrDefault(key, 60L)));
            ArrayNode out = g.putArray("rules");
            group(folderUid, name).forEach(r -> out.add(ExportFormat.rule(r)));
        }
        ObjectNode file = Json.object().put("apiVersion", 1);
        file.set("groups", groups);
        return ExportFormat.respond(req, file);
    }

    /** The rule as stored: Grafana's checks (folder, title, group, condition), then the stored fields. */
    private ObjectNode validated(ObjectNode rule, String uid, String provenance) {
        String folderUid = rule.path("folderUID").asText("");
        if (rule.path("title").asText("").isBlank()) {
            throw invalid("title is empty");
        }
        if (rule.path("ruleGroup").asText("").isBlank()) {
            throw invalid("rule group name is empty");
        }
        if (folderUid.isEmpty() || store.folder(folderUid).isEmpty()) {
            throw invalid("folder does not exist");
        }
        boolean recording = rule.path("record").isObject();
        if (!recording && (!rule.path("data").isArray() || rule.path("data").isEmpty())) {
            throw invalid("no queries or expressions are found");
        }
        String condition = rule.path("condition").asText("");
        boolean conditionFound = false;
        for (JsonNode q : rule.path("data")) {
            conditionFound |= q.path("refId").asText("").equals(condition);
        }
        if (!recording && !conditionFound) {
            throw invalid("condition " + condition + " does not exist, must be one of the refIds of the data");
        }
        ObjectNode stored = rule.deepCopy();
        stored.remove("id");
        stored.put("uid", uid).put("orgID", 1).put("provenance", provenance)
                .put("updated", Json.time(java.time.Instant.now()));
        stored.put("noDataState", rule.path("noDataState").asText("NoData"))
                .put("execErrState", rule.path("execErrState").asText("Error"))
                .put("for", rule.path("for").asText("0s"))
                .put("isPaused", rule.path("isPaused").asBoolean(false));
        if (!stored.path("annotations").isObject()) {
            stored.putObject("annotations");
        }
        if (!stored.path("labels").isObject()) {
            stored.putObject("labels");
        }
        return stored;
    }

    private static ApiException invalid(String why) {
        return Json.fail(Json.messageWithTrace(400, "invalid alert rule: " + why));
    }

    private List<ObjectNode> group(String folderUid, String name) {
        List<ObjectNode> out = new ArrayList<>();
        rules.values().stream().filter(r -> r.path("folderUID").asText().equals(folderUid)
                && r.path("ruleGroup").asText().equals(name)).forEach(out::add);
        return out;
    }

    private static String groupKey(ObjectNode rule) {
        return groupKey(rule.path("folderUID").asText(), rule.path("ruleGroup").asText());
    }

    private static String groupKey(String folderUid, String group) {
        return folderUid + '\0' + group;
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

    private static ArrayNode array(Iterable<ObjectNode> nodes) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        nodes.forEach(out::add);
        return out;
    }

    /** Grafana's {@code response.Empty(status)}: no body. */
    static ApiResponse empty(int status) {
        return new ApiResponse(status, ApiResponse.JSON, new byte[0], Map.of());
    }
}
