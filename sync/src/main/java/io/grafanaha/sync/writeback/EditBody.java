package io.grafanaha.sync.writeback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.grafana.BackendDashboard;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * What a dashboard save put on its backend, taken from the exchange the gateway relayed rather than read back later:
 * the {@code dashboard} of the request body ({@code POST /api/dashboards/db}), with the facts Grafana answered
 * ({@code uid}, {@code id}, {@code version}, {@code folderUid}). Journaled with the edit, so the edit can be committed
 * even when the backend has lost it since (a restart of an instance without a disk, a wiped database).
 *
 * @param dashboard the saved dashboard JSON, {@code uid}, {@code id} and {@code version} set from the response
 * @param folderUid the folder it was saved in; {@code ""} at the General (root) level
 * @param version the version Grafana gave it
 */
public record EditBody(ObjectNode dashboard, String folderUid, int version) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public EditBody {
        Objects.requireNonNull(dashboard, "dashboard");
        Objects.requireNonNull(folderUid, "folderUid");
    }

    /**
     * The body of a successful dashboard save, from the request and response bodies as relayed; empty when they are
     * not a save's (not JSON, no {@code dashboard} object, no {@code uid} or {@code version} in the answer, or a
     * folder given only by its deprecated numeric id), in which case the write-back reads the dashboard back instead.
     */
    public static Optional<EditBody> dashboardSave(byte[] request, byte[] response) {
        try {
            JsonNode req = JSON.readTree(request);
            JsonNode res = JSON.readTree(response);
            if (req == null || res == null || !(req.path("dashboard") instanceof ObjectNode d)
                    || !res.path("uid").isTextual() || !res.path("version").canConvertToInt()) {
                return Optional.empty();
            }
            String folder;
            if (res.path("folderUid").isTextual()) {
                folder = res.path("folderUid").asText();
            } else if (req.path("folderUid").isTextual()) {
                folder = req.path("folderUid").asText();
            } else if (req.path("folderId").asLong(0) != 0) {
                return Optional.empty();
            } else {
                folder = ""; // Grafana moves a dashboard saved without a folder to the root
            }
            ObjectNode dashboard = d.deepCopy();
            dashboard.put("uid", res.path("uid").asText());
            dashboard.put("version", res.path("version").asInt());
            if (res.path("id").isNumber()) {
                dashboard.put("id", res.path("id").asLong());
            }
            return Optional.of(new EditBody(dashboard, folder, res.path("version").asInt()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** As the backend holds it, as {@code GET /api/dashboards/uid/:uid} would have answered right after the save. */
    BackendDashboard asBackendDashboard(String uid) {
        return new BackendDashboard(uid, dashboard.path("title").asText(""), folderUid, dashboard, version);
    }

    /** The journal's form: {@code {"dashboard":{...},"folderUid":"...","version":N}}. */
    ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.set("dashboard", dashboard);
        n.put("folderUid", folderUid);
        n.put("version", version);
        return n;
    }

    static Optional<EditBody> fromJson(JsonNode n) {
        if (n == null || !(n.path("dashboard") instanceof ObjectNode d)) {
            return Optional.empty();
        }
        return Optional.of(new EditBody(d, n.path("folderUid").asText(""), n.path("version").asInt()));
    }
}
