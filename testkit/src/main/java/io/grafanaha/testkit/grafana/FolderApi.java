package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** {@code /api/folders} with nested folders (grafana-api.md §1.8). Callers hold the store lock. */
final class FolderApi {
    private final GrafanaStore store;
    private final Clock clock;

    FolderApi(GrafanaStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    void register(Router router) {
        router.add("GET", "/api/folders", this::list);
        router.add("GET", "/api/folders/:uid", this::get);
        router.add("POST", "/api/folders", this::create);
        router.add("PUT", "/api/folders/:uid", this::update);
        router.add("DELETE", "/api/folders/:uid", this::delete);
        router.add("POST", "/api/folders/:uid/move", this::move);
    }

    /** Immediate children of {@code parentUid} (root when absent), by title, paged. */
    private ApiResponse list(ApiRequest req) {
        String parent = req.queryFirst("parentUid").orElse("");
        int limit = req.queryInt("limit", 1000);
        limit = limit <= 0 ? 1000 : limit;
        int page = Math.max(1, req.queryInt("page", 1));
        ArrayNode body = Json.MAPPER.createArrayNode();
        store.folders().stream()
                .filter(f -> f.parentUid().equals(parent))
                .sorted(Comparator.comparing((StoredFolder f) -> f.title().toLowerCase(Locale.ROOT)))
                .skip((long) (page - 1) * limit)
                .limit(limit)
                .forEach(f -> {
                    ObjectNode hit = body.addObject().put("id", f.id()).put("uid", f.uid()).put("title", f.title());
                    if (!f.parentUid().isEmpty()) {
                        hit.put("parentUid", f.parentUid());
                    }
                });
        return Json.ok(body);
    }

    private ApiResponse get(ApiRequest req) {
        return Json.ok(dto(existing(req.param("uid")), true));
    }

    private ApiResponse create(ApiRequest req) {
        JsonNode body = bind(req.body());
        String uid = text(body, "uid");
        String title = text(body, "title").strip();
        String parentUid = text(body, "parentUid");
        if (title.isEmpty()) {
            throw Json.fail(Json.message(400, "folder title cannot be empty"));
        }
        DashboardSaver.validateUid(uid);
        if (!uid.isEmpty() && store.uidTaken(uid)) {
            throw Json.fail(Json.message(409, "a folder/dashboard with the same uid already exists"));
        }
        if (!parentUid.isEmpty()) {
            existing(parentUid);
        }
        Instant now = clock.instant();
        StoredFolder folder = new StoredFolder(store.nextId(), uid.isEmpty() ? store.newUid() : uid, title, parentUid,
                1, now, now, req.login(), req.login());
        store.putFolder(folder);
        return Json.ok(dto(folder, true));
    }

    /** Optimistic locking like dashboards: version must match unless overwrite (§1.8). */
    private ApiResponse update(ApiRequest req) {
        StoredFolder current = existing(req.param("uid"));
        JsonNode body = bind(req.body());
        String title = text(body, "title").strip();
        if (title.isEmpty()) {
            throw Json.fail(Json.message(400, "folder title cannot be empty"));
        }
        JsonNode version = body.get("version");
        boolean overwrite = body.path("overwrite").asBoolean(false);
        int sent = version != null && version.isNumber() ? version.asInt() : 0;
        if (!overwrite && sent != current.version()) {
            throw Json.fail(Json.status(412, "version-mismatch", "the folder has been changed by someone else"));
        }
        StoredFolder updated = new StoredFolder(current.id(), current.uid(), title, current.parentUid(),
                current.version() + 1, current.created(), clock.instant(), current.createdBy(), req.login());
        store.putFolder(updated);
        return Json.ok(dto(updated, true));
    }

    /** Deletes the folder, its sub-folders and every dashboard inside them. */
    private ApiResponse delete(ApiRequest req) {
        StoredFolder folder = existing(req.param("uid"));
        deleteTree(folder.uid());
        return Json.ok(Json.object().put("message", "Folder deleted").put("id", folder.id()));
    }

    private void deleteTree(String uid) {
        for (StoredFolder child : store.folders()) {
            if (child.parentUid().equals(uid)) {
                deleteTree(child.uid());
            }
        }
        for (StoredDashboard d : store.dashboards()) {
            if (d.folderUid().equals(uid)) {
                store.removeDashboard(d.uid());
            }
        }
        // Grafana deletes the folder's library panels with it (it refuses while one is in use: not emulated).
        store.libraryElements().stream().filter(e -> e.folderUid().equals(uid))
                .forEach(e -> store.removeLibraryElement(e.uid()));
        store.removeFolder(uid);
    }

    private ApiResponse move(ApiRequest req) {
        StoredFolder folder = existing(req.param("uid"));
        String parentUid = text(bind(req.body()), "parentUid");
        if (!parentUid.isEmpty()) {
            StoredFolder parent = existing(parentUid);
            boolean intoItself = parent.uid().equals(folder.uid())
                    || store.ancestors(parent).stream().anyMatch(a -> a.uid().equals(folder.uid()));
            if (intoItself) {
                throw Json.fail(Json.message(400, "circular reference detected"));
            }
        }
        StoredFolder moved = new StoredFolder(folder.id(), folder.uid(), folder.title(), parentUid, folder.version(),
                folder.created(), clock.instant(), folder.createdBy(), req.login());
        store.putFolder(moved);
        return Json.ok(dto(moved, true));
    }

    private ObjectNode dto(StoredFolder f, boolean withParents) {
        ObjectNode node = Json.object()
                .put("id", f.id())
                .put("uid", f.uid())
                .put("title", f.title())
                .put("url", f.url())
                .put("hasAcl", false)
                .put("canSave", true).put("canEdit", true).put("canAdmin", true).put("canDelete", true)
                .put("createdBy", f.createdBy())
                .put("created", Json.time(f.created()))
                .put("updatedBy", f.updatedBy())
                .put("updated", Json.time(f.updated()))
                .put("version", f.version());
        if (!f.parentUid().isEmpty()) {
            node.put("parentUid", f.parentUid());
            if (withParents) {
                ArrayNode parents = node.putArray("parents");
                List<StoredFolder> chain = store.ancestors(f);
                chain.forEach(p -> parents.add(dto(p, false)));
            }
        }
        return node;
    }

    private StoredFolder existing(String uid) {
        return store.folder(uid).orElseThrow(() -> Json.fail(Json.status(404, "not-found", "folder not found")));
    }

    private static JsonNode bind(byte[] body) {
        try {
            JsonNode node = Json.parse(body);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (IOException e) {
            // falls through to the bind error below
        }
        throw Json.fail(Json.messageWithTrace(400, "bad request data"));
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return "";
        }
        if (!n.isTextual()) {
            throw Json.fail(Json.messageWithTrace(400, "bad request data"));
        }
        return n.textValue();
    }
}
