package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** {@code /api/dashboards/...} handlers (grafana-api.md §1.3–§1.6). Callers hold the store lock. */
final class DashboardApi {
    private final GrafanaStore store;
    private final DashboardSaver saver;
    private final boolean legacyVersionsArray;

    DashboardApi(GrafanaStore store, DashboardSaver saver, boolean legacyVersionsArray) {
        this.store = store;
        this.saver = saver;
        this.legacyVersionsArray = legacyVersionsArray;
    }

    void register(Router router) {
        router.add("POST", "/api/dashboards/db", this::save);
        router.add("GET", "/api/dashboards/uid/:uid", this::get);
        router.add("DELETE", "/api/dashboards/uid/:uid", this::delete);
        router.add("GET", "/api/dashboards/uid/:uid/versions", this::versions);
        router.add("GET", "/api/dashboards/uid/:uid/versions/:version", this::version);
    }

    /** §1.3: response fields in code order, folderUid "" at root. */
    private ApiResponse save(ApiRequest req) {
        StoredDashboard saved = saver.save(SaveDashboardCommand.bind(req.body()), req.login());
        return Json.ok(Json.object()
                .put("status", "success")
                .put("slug", saved.slug())
                .put("version", saved.version())
                .put("id", saved.id())
                .put("uid", saved.uid())
                .put("url", saved.url())
                .put("folderUid", saved.folderUid()));
    }

    /** §1.4: dashboard JSON with id/uid/version as stored, plus meta. */
    private ApiResponse get(ApiRequest req) {
        StoredDashboard d = existing(req.param("uid"));
        ObjectNode body = Json.object();
        body.set("dashboard", d.json());
        ObjectNode meta = body.putObject("meta");
        meta.put("type", "db")
                .put("canSave", true).put("canEdit", true).put("canAdmin", true).put("canStar", true).put("canDelete", true)
                .put("slug", d.slug())
                .put("url", d.url())
                .put("expires", "0001-01-01T00:00:00Z")
                .put("created", Json.time(d.created()))
                .put("updated", Json.time(d.updated()))
                .put("updatedBy", d.updatedBy())
                .put("createdBy", d.createdBy())
                .put("version", d.version())
                .put("hasAcl", false)
                .put("isFolder", false);
        StoredFolder folder = d.folderUid().isEmpty() ? null : store.folder(d.folderUid()).orElse(null);
        meta.put("folderId", folder == null ? 0 : folder.id())
                .put("folderUid", folder == null ? "" : folder.uid())
                .put("folderTitle", folder == null ? "General" : folder.title())
                .put("folderUrl", folder == null ? "" : folder.url())
                .put("provisioned", false)
                .put("provisionedExternalId", "");
        ObjectNode permissions = meta.putObject("annotationsPermissions");
        for (String scope : List.of("dashboard", "organization")) {
            permissions.putObject(scope).put("canAdd", true).put("canEdit", true).put("canDelete", true);
        }
        return Json.ok(body);
    }

    /** §1.5: current code returns uid (older docs showed id). */
    private ApiResponse delete(ApiRequest req) {
        String uid = req.param("uid");
        if (store.folder(uid).isPresent()) {
            throw Json.fail(Json.message(400, "Use folders endpoint for deleting folders."));
        }
        StoredDashboard d = existing(uid);
        store.removeDashboard(uid);
        return Json.ok(Json.object()
                .put("title", d.title())
                .put("message", "Dashboard " + d.title() + " deleted")
                .put("uid", d.uid()));
    }

    /**
     * §1.6: newest first; {@code start} is an offset into that list, as the legacy SQL
     * {@code Limit(limit, start)} used it.
     */
    private ApiResponse versions(ApiRequest req) {
        existing(req.param("uid"));
        List<DashboardVersion> rows = new ArrayList<>(store.versions(req.param("uid")));
        Collections.reverse(rows);
        int limit = req.queryInt("limit", 1000);
        if (limit <= 0) {
            limit = 1000;
        }
        int start = Math.max(0, req.queryInt("start", 0));
        ArrayNode list = Json.MAPPER.createArrayNode();
        rows.stream().skip(start).limit(limit).forEach(v -> list.add(versionJson(v, false)));
        if (legacyVersionsArray) {
            return Json.ok(list);
        }
        ObjectNode body = Json.object().put("continueToken", "");
        body.set("versions", list);
        return Json.ok(body);
    }

    private ApiResponse version(ApiRequest req) {
        existing(req.param("uid"));
        int wanted;
        try {
            wanted = Integer.parseInt(req.param("version"));
        } catch (NumberFormatException e) {
            throw Json.fail(Json.messageWithTrace(400, "version is not a number"));
        }
        return store.versions(req.param("uid")).stream()
                .filter(v -> v.version() == wanted)
                .findFirst()
                .map(v -> Json.ok(versionJson(v, true)))
                .orElseThrow(() -> Json.fail(Json.messageWithTrace(404,
                        "Dashboard version not found for dashboard uid=" + req.param("uid") + " version=" + wanted)));
    }

    private static ObjectNode versionJson(DashboardVersion v, boolean withData) {
        ObjectNode node = Json.object()
                .put("id", v.id())
                .put("dashboardId", v.dashboardId())
                .put("uid", v.uid())
                .put("parentVersion", v.parentVersion())
                .put("restoredFrom", 0)
                .put("version", v.version())
                .put("created", Json.time(v.created()))
                .put("createdBy", v.createdBy())
                // §1.6: the first version is rendered as "Initial save".
                .put("message", v.parentVersion() == 0 ? "Initial save" : v.message());
        if (withData) {
            node.set("data", v.data());
        }
        return node;
    }

    private StoredDashboard existing(String uid) {
        return store.dashboard(uid).orElseThrow(() -> Json.fail(Json.messageWithTrace(404, "Dashboard not found")));
    }
}
