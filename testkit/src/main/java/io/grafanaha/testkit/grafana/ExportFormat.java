package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.List;
import java.util.Map;

/**
 * The alerting file-provisioning format the {@code .../export} endpoints answer: YAML unless {@code Accept} names
 * JSON, and {@code ?format=json|yaml} wins over both (Grafana's {@code extractExportRequest}).
 */
final class ExportFormat {
    private static final YAMLMapper YAML = new YAMLMapper();

    private ExportFormat() {
    }

    static ApiResponse respond(ApiRequest req, JsonNode file) {
        String accept = req.headers().get("Accept") == null ? "" : req.headers().get("Accept");
        String format = accept.contains("json") ? "json" : "yaml";
        String query = req.queryFirst("format").orElse("");
        if (query.equals("json") || query.equals("yaml")) {
            format = query;
        }
        if (format.equals("json")) {
            return Json.ok(file);
        }
        try {
            return new ApiResponse(200, "text/yaml", YAML.writeValueAsBytes(file), Map.of());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree always serialises", e);
        }
    }

    /** One rule of the API's {@code ProvisionedAlertRule} shape in the export's {@code AlertRuleExport} shape. */
    static ObjectNode rule(ObjectNode api) {
        ObjectNode r = Json.object().put("uid", api.path("uid").asText()).put("title", api.path("title").asText());
        if (api.hasNonNull("condition")) {
            r.put("condition", api.path("condition").asText());
        }
        ArrayNode data = r.putArray("data");
        for (JsonNode q : api.path("data")) {
            ObjectNode e = data.addObject().put("refId", q.path("refId").asText());
            if (q.hasNonNull("queryType") && !q.path("queryType").asText().isEmpty()) {
                e.put("queryType", q.path("queryType").asText());
            }
            e.putObject("relativeTimeRange").put("from", q.path("relativeTimeRange").path("from").asLong(0))
                    .put("to", q.path("relativeTimeRange").path("to").asLong(0));
            e.put("datasourceUid", q.path("datasourceUid").asText());
            e.set("model", q.path("model").isObject() ? q.path("model").deepCopy() : Json.object());
        }
        for (String key : List.of("dashboardUid", "panelId")) {
            if (api.hasNonNull(key)) {
                r.set(key, api.get(key).deepCopy());
            }
        }
        r.put("noDataState", api.path("noDataState").asText()).put("execErrState", api.path("execErrState").asText())
                .put("for", api.path("for").asText("0s"));
        for (String key : List.of("annotations", "labels")) {
            if (api.path(key).isObject() && !api.path(key).isEmpty()) {
                r.set(key, api.get(key).deepCopy());
            }
        }
        r.put("isPaused", api.path("isPaused").asBoolean(false));
        for (String key : List.of("notification_settings", "record")) {
            if (api.path(key).isObject()) {
                r.set(key, api.get(key).deepCopy());
            }
        }
        return r;
    }

    /** Prometheus' {@code model.Duration} text: {@code 1h30m}, {@code 5m}, {@code 0s}. */
    static String duration(long seconds) {
        if (seconds == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        long[] units = {7 * 86400, 86400, 3600, 60, 1};
        String[] names = {"w", "d", "h", "m", "s"};
        long left = seconds;
        for (int i = 0; i < units.length; i++) {
            if (left >= units[i]) {
                sb.append(left / units[i]).append(names[i]);
                left %= units[i];
            }
        }
        return sb.toString();
    }
}
