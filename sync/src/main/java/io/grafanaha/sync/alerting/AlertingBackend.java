package io.grafanaha.sync.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.JsonApi;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One backend's alerting provisioning API ({@code /api/v1/provisioning/...}). Writes carry
 * {@code X-Disable-Provenance: true} when {@code editable}: Grafana then records no provenance and users may still
 * edit the resources in the UI (write-back on); without it they are marked as provisioned and read-only there.
 */
final class AlertingBackend {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String BASE = "/api/v1/provisioning";

    private final JsonApi api;
    private final Map<String, String> writeHeaders;

    AlertingBackend(JsonApi api, boolean editable) {
        this.api = api;
        this.writeHeaders = editable ? Map.of("X-Disable-Provenance", "true") : Map.of();
    }

    /**
     * What the backend holds: the rule groups in {@code folders}, contact points, templates, mute timings and the
     * policy tree, in six calls whatever the number of groups: five read together (in parallel where the backend's
     * client can), then the rule groups' export.
     */
    Actual read(Set<String> folders) throws GrafanaApiException {
        List<JsonNode> all = getAll(List.of("/alert-rules", "/contact-points", "/templates", "/mute-timings", "/policies"));
        return new Actual(groups(folders, all.get(0)).groups(), byKey(all.get(1), "uid"), byKey(all.get(2), "name"),
                byKey(all.get(3), "name"), all.get(4));
    }

    /** The rule groups in {@code folders}: {@link #groups(Set, JsonNode)} of the backend's rule list. */
    Groups readGroups(Set<String> folders) throws GrafanaApiException {
        return groups(folders, get("/alert-rules"));
    }

    /**
     * The rule groups in {@code folders} from {@code rules} (the rule list), with one more call whatever their number:
     * the rule list has no group interval, so the export of all groups gives it; an export names folders by title, so
     * each exported group is matched to its folder uid by its rules' uids.
     */
    private Groups groups(Set<String> folders, JsonNode rules) throws GrafanaApiException {
        Map<String, ObjectNode> groups = new LinkedHashMap<>();
        Map<String, ObjectNode> exports = new LinkedHashMap<>();
        Map<String, String> groupOfRule = new LinkedHashMap<>();
        for (JsonNode rule : rules) {
            String folder = rule.path("folderUID").asText();
            if (!folders.contains(folder)) {
                continue;
            }
            String name = rule.path("ruleGroup").asText();
            String key = DesiredAlerting.Group.key(folder, name);
            groups.computeIfAbsent(key, k -> MAPPER.createObjectNode().put("title", name).put("folderUid", folder)
                    .put("interval", 0)).withArray("rules").add(rule);
            groupOfRule.put(rule.path("uid").asText(), key);
        }
        if (!groups.isEmpty()) {
            JsonNode export = api.call("GET", BASE + "/alert-rules/export?format=json", null, Map.of())
                    .orElseGet(MAPPER::createObjectNode);
            for (JsonNode g : export.path("groups")) {
                String key = groupOfRule.get(g.path("rules").path(0).path("uid").asText());
                if (key != null && g instanceof ObjectNode o) {
                    groups.get(key).put("interval", Durations.seconds(g.path("interval").asText("0s")));
                    exports.put(key, o);
                }
            }
        }
        return new Groups(groups, exports);
    }

    /**
     * Each of {@code kinds} → name (contact points: uid; the policy tree: {@code policies}) → the item as the backend
     * holds it: one call per kind, read together.
     */
    Map<String, Map<String, JsonNode>> readItems(Set<String> kinds) throws GrafanaApiException {
        List<String> ordered = List.copyOf(kinds);
        List<JsonNode> lists = getAll(ordered.stream().map(kind -> switch (kind) {
            case PlanAlerting.TEMPLATE -> "/templates";
            case PlanAlerting.MUTE_TIMING -> "/mute-timings";
            case PlanAlerting.CONTACT_POINT -> "/contact-points";
            default -> "/policies";
        }).toList());
        Map<String, Map<String, JsonNode>> out = new LinkedHashMap<>();
        for (int i = 0; i < ordered.size(); i++) {
            String kind = ordered.get(i);
            out.put(kind, switch (kind) {
                case PlanAlerting.TEMPLATE, PlanAlerting.MUTE_TIMING -> byKey(lists.get(i), "name");
                case PlanAlerting.CONTACT_POINT -> byKey(lists.get(i), "uid");
                default -> Map.of(PlanAlerting.POLICIES, lists.get(i));
            });
        }
        return out;
    }

    /**
     * A backend's rule groups.
     *
     * @param groups {@code folderUid/group} → the group as {@code GET .../rule-groups/:group} gives it
     * @param exports {@code folderUid/group} → the group in the file format, as the export endpoints give it
     */
    record Groups(Map<String, ObjectNode> groups, Map<String, ObjectNode> exports) {}

    /**
     * What a backend holds.
     *
     * @param groups {@code folderUid/group} → the group as {@code GET .../rule-groups/:group} gives it
     * @param contactPoints uid → contact point (secure settings redacted)
     * @param templates name → template
     * @param muteTimings name → mute timing
     * @param policies the policy tree
     */
    record Actual(Map<String, ObjectNode> groups, Map<String, JsonNode> contactPoints, Map<String, JsonNode> templates,
            Map<String, JsonNode> muteTimings, JsonNode policies) {
        int rules() {
            return groups.values().stream().mapToInt(g -> g.path("rules").size()).sum();
        }
    }

    void putGroup(DesiredAlerting.Group g) throws GrafanaApiException {
        write("PUT", "/folder/" + enc(g.folderUid()) + "/rule-groups/" + enc(g.name()), g.body());
    }

    void deleteGroup(String folderUid, String name) throws GrafanaApiException {
        write("DELETE", "/folder/" + enc(folderUid) + "/rule-groups/" + enc(name), null);
    }

    void deleteRule(String uid) throws GrafanaApiException {
        write("DELETE", "/alert-rules/" + enc(uid), null);
    }

    void createContactPoint(ObjectNode body) throws GrafanaApiException {
        write("POST", "/contact-points", body);
    }

    void updateContactPoint(String uid, ObjectNode body) throws GrafanaApiException {
        write("PUT", "/contact-points/" + enc(uid), body);
    }

    void deleteContactPoint(String uid) throws GrafanaApiException {
        write("DELETE", "/contact-points/" + enc(uid), null);
    }

    void putTemplate(String name, ObjectNode body) throws GrafanaApiException {
        write("PUT", "/templates/" + enc(name), body);
    }

    void deleteTemplate(String name) throws GrafanaApiException {
        write("DELETE", "/templates/" + enc(name), null);
    }

    void createMuteTiming(ObjectNode body) throws GrafanaApiException {
        write("POST", "/mute-timings", body);
    }

    void updateMuteTiming(String name, ObjectNode body) throws GrafanaApiException {
        write("PUT", "/mute-timings/" + enc(name), body);
    }

    void deleteMuteTiming(String name) throws GrafanaApiException {
        write("DELETE", "/mute-timings/" + enc(name), null);
    }

    void putPolicies(ObjectNode tree) throws GrafanaApiException {
        write("PUT", "/policies", tree);
    }

    private JsonNode get(String path) throws GrafanaApiException {
        return api.call("GET", BASE + path, null, Map.of()).orElseGet(MAPPER::createArrayNode);
    }

    /** {@link #get} of each of {@code paths}, read together. */
    private List<JsonNode> getAll(List<String> paths) throws GrafanaApiException {
        return api.getAll(paths.stream().map(p -> BASE + p).toList()).stream()
                .map(answer -> answer.orElseGet(MAPPER::createArrayNode)).toList();
    }

    private void write(String method, String path, JsonNode body) throws GrafanaApiException {
        api.call(method, BASE + path, body, writeHeaders);
    }

    private static Map<String, JsonNode> byKey(JsonNode list, String key) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        list.forEach(n -> out.put(n.path(key).asText(), n));
        return out;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

}
