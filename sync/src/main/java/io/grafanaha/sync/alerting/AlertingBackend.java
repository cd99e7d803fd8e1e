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
import java.util.Optional;
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
     * What the backend holds: the rule groups in {@code folders} (one call for the rule list, one per group for its
     * interval), contact points, templates, mute timings and the policy tree.
     */
    Actual read(Set<String> folders) throws GrafanaApiException {
        Map<String, ObjectNode> groups = new LinkedHashMap<>();
        for (JsonNode rule : get("/alert-rules")) {
            String folder = rule.path("folderUID").asText();
            String key = DesiredAlerting.Group.key(folder, rule.path("ruleGroup").asText());
            if (folders.contains(folder) && !groups.containsKey(key)) {
                Optional<JsonNode> group = api.call("GET", BASE + "/folder/" + enc(folder) + "/rule-groups/"
                        + enc(rule.path("ruleGroup").asText()), null, Map.of());
                group.ifPresent(g -> groups.put(key, (ObjectNode) g));
            }
        }
        return new Actual(groups, byKey(get("/contact-points"), "uid"), byKey(get("/templates"), "name"),
                byKey(get("/mute-timings"), "name"), get("/policies"));
    }

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
