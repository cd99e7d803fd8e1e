package io.grafanaha.sync.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The two shapes of an alert rule: the file format the export endpoints write ({@code AlertRuleExport}) and the
 * provisioning API's {@code ProvisionedAlertRule}; and when a rule a backend holds equals the one Git describes.
 */
final class AlertRuleShape {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Fields of a rule that Git decides; the rest (id, updated, provenance, orgID) is the instance's own. */
    private static final List<String> COMPARED = List.of("title", "condition", "noDataState", "execErrState", "for",
            "isPaused", "annotations", "labels", "notification_settings", "record", "dashboardUid", "panelId",
            "keepFiringFor", "missing_series_evals_to_resolve");

    private AlertRuleShape() {
    }

    /** A rule of the file format as {@code PUT .../rule-groups/:group} takes it. */
    static ObjectNode fromExport(JsonNode r, String folderUid, String group) {
        ObjectNode api = MAPPER.createObjectNode().put("uid", r.path("uid").asText())
                .put("title", r.path("title").asText()).put("folderUID", folderUid).put("ruleGroup", group)
                .put("orgID", 1);
        if (r.hasNonNull("condition")) {
            api.put("condition", r.path("condition").asText());
        }
        ArrayNode data = api.putArray("data");
        for (JsonNode q : r.path("data")) {
            ObjectNode d = data.addObject().put("refId", q.path("refId").asText());
            if (q.hasNonNull("queryType")) {
                d.put("queryType", q.path("queryType").asText());
            }
            d.putObject("relativeTimeRange").put("from", q.path("relativeTimeRange").path("from").asLong(0))
                    .put("to", q.path("relativeTimeRange").path("to").asLong(0));
            d.put("datasourceUid", q.path("datasourceUid").asText());
            d.set("model", q.path("model").isObject() ? q.path("model").deepCopy() : MAPPER.createObjectNode());
        }
        api.put("noDataState", r.path("noDataState").asText("NoData"))
                .put("execErrState", r.path("execErrState").asText("Error"))
                .put("for", r.path("for").asText("0s"))
                .put("isPaused", r.path("isPaused").asBoolean(false));
        api.set("annotations", r.path("annotations").isObject() ? r.path("annotations").deepCopy()
                : MAPPER.createObjectNode());
        api.set("labels", r.path("labels").isObject() ? r.path("labels").deepCopy() : MAPPER.createObjectNode());
        for (String key : List.of("notification_settings", "record", "dashboardUid", "panelId", "keepFiringFor",
                "missing_series_evals_to_resolve")) {
            if (r.hasNonNull(key)) {
                api.set(key, r.get(key).deepCopy());
            }
        }
        return api;
    }

    /**
     * Whether the backend's rule is Git's. Durations compare by value ({@code 5m} = {@code 300s}); a query model
     * compares as "holds every field Git gives", since Grafana adds defaults (e.g. {@code intervalMs}) on save.
     */
    static boolean same(JsonNode desired, JsonNode actual) {
        for (String key : COMPARED) {
            JsonNode d = desired.path(key);
            JsonNode a = actual.path(key);
            if (key.equals("for") || key.equals("keepFiringFor")) {
                if (Durations.seconds(d.asText("0s")) != Durations.seconds(a.asText("0s"))) {
                    return false;
                }
            } else if (!equalish(d, a)) {
                return false;
            }
        }
        JsonNode dd = desired.path("data");
        JsonNode ad = actual.path("data");
        if (dd.size() != ad.size()) {
            return false;
        }
        for (int i = 0; i < dd.size(); i++) {
            JsonNode d = dd.get(i);
            JsonNode a = ad.get(i);
            if (!d.path("refId").equals(a.path("refId")) || !d.path("datasourceUid").equals(a.path("datasourceUid"))
                    || !d.path("queryType").asText("").equals(a.path("queryType").asText(""))
                    || d.path("relativeTimeRange").path("from").asLong() != a.path("relativeTimeRange").path("from")
                    .asLong() || d.path("relativeTimeRange").path("to").asLong() != a.path("relativeTimeRange")
                    .path("to").asLong() || !contains(a.path("model"), d.path("model"))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code actual} (a backend's group, or another group body) holds the group body {@code desired}: the same
     * interval and the same rules by uid, each {@link #same}.
     */
    static boolean sameGroup(JsonNode desired, JsonNode actual) {
        if (actual.path("interval").asLong() != desired.path("interval").asLong()
                || actual.path("rules").size() != desired.path("rules").size()) {
            return false;
        }
        Map<String, JsonNode> held = new HashMap<>();
        actual.path("rules").forEach(r -> held.put(r.path("uid").asText(), r));
        for (JsonNode r : desired.path("rules")) {
            JsonNode h = held.get(r.path("uid").asText());
            if (h == null || !same(r, h)) {
                return false;
            }
        }
        return true;
    }

    /** Missing, null and an empty object are the same (Grafana writes {@code {}} for no labels). */
    private static boolean equalish(JsonNode d, JsonNode a) {
        boolean dEmpty = d.isMissingNode() || d.isNull() || (d.isObject() && d.isEmpty());
        boolean aEmpty = a.isMissingNode() || a.isNull() || (a.isObject() && a.isEmpty());
        return dEmpty && aEmpty || d.equals(a);
    }

    /** Whether {@code actual} holds every field of {@code wanted} with the same value, recursively for objects. */
    static boolean contains(JsonNode actual, JsonNode wanted) {
        if (!wanted.isObject()) {
            return wanted.equals(actual) || wanted.isNumber() && actual.isNumber()
                    && wanted.decimalValue().compareTo(actual.decimalValue()) == 0;
        }
        if (!actual.isObject()) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = wanted.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!contains(actual.path(e.getKey()), e.getValue())) {
                return false;
            }
        }
        return true;
    }
}
