package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The bound body of {@code POST /api/dashboards/db} (grafana-api.md §1.3, {@code SaveDashboardCommand}). */
record SaveDashboardCommand(ObjectNode dashboard, boolean overwrite, String message, String folderUid, long folderId,
                            boolean isFolder) {

    /**
     * Binds like Go's JSON decoder: a field of the wrong JSON type is a bind error, null is the zero
     * value. A missing {@code dashboard} binds to an empty one, which later fails on its empty title.
     */
    static SaveDashboardCommand bind(byte[] body) {
        JsonNode root;
        try {
            root = Json.parse(body);
        } catch (java.io.IOException e) {
            throw badRequestData();
        }
        if (root == null || !root.isObject()) {
            throw badRequestData();
        }
        JsonNode dashboard = root.get("dashboard");
        if (dashboard != null && !dashboard.isNull() && !dashboard.isObject()) {
            throw badRequestData();
        }
        return new SaveDashboardCommand(
                dashboard == null || dashboard.isNull() ? Json.object() : (ObjectNode) dashboard,
                bool(root, "overwrite"), text(root, "message"), text(root, "folderUid"),
                number(root, "folderId"), bool(root, "isFolder"));
    }

    private static boolean bool(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw badRequestData();
        }
        return n.booleanValue();
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return "";
        }
        if (!n.isTextual()) {
            throw badRequestData();
        }
        return n.textValue();
    }

    private static long number(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return 0;
        }
        if (!n.isIntegralNumber()) {
            throw badRequestData();
        }
        return n.longValue();
    }

    private static ApiException badRequestData() {
        return Json.fail(Json.messageWithTrace(400, "bad request data"));
    }
}
