package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The save algorithm of {@code POST /api/dashboards/db}, step by step as grafana-api.md §1.3 lists it.
 * Steps 3 (quota), 4 (file provisioning), 5 (min refresh) and 8 (permissions) have nothing to act on
 * in the emulator: there are no quotas, provisioners or non-admin users. Callers hold the store lock.
 */
final class DashboardSaver {
    static final Pattern UID_CHARS = Pattern.compile("^[a-zA-Z0-9\\-_]*$");
    static final int MAX_UID_LENGTH = 40;

    private final GrafanaStore store;
    private final Clock clock;

    DashboardSaver(GrafanaStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    StoredDashboard save(SaveDashboardCommand cmd, String login) {
        // Step 1: isFolder bodies belong to the folders API.
        if (cmd.isFolder()) {
            throw Json.fail(Json.message(400, "Use folders endpoint for saving folders."));
        }
        // Step 2: id/uid make it an "update"; only then is a numeric version honoured, else it is 0.
        ObjectNode data = cmd.dashboard().deepCopy();
        long id = 0;
        String uid = "";
        boolean update = false;
        JsonNode idNode = data.get("id");
        if (idNode != null && idNode.isNumber()) {
            id = idNode.asLong();
            update = true;
        }
        JsonNode uidNode = data.get("uid");
        if (uidNode != null && uidNode.isTextual()) {
            uid = uidNode.textValue();
            update = true;
        }
        JsonNode versionNode = data.get("version");
        int version = update && versionNode != null && versionNode.isNumber() ? versionNode.asInt() : 0;

        // Step 6: validation of title, message, uid, folder.
        JsonNode titleNode = data.get("title");
        String title = titleNode != null && titleNode.isTextual() ? titleNode.textValue().strip() : "";
        if (title.isEmpty()) {
            throw Json.fail(Json.status(400, "empty-name", "Dashboard title cannot be empty"));
        }
        if (cmd.message().getBytes(StandardCharsets.UTF_8).length > 500) {
            throw Json.fail(Json.message(400, "message too long, max 500 characters"));
        }
        validateUid(uid);
        String folderUid = resolveFolder(cmd);

        // Step 7: find the dashboard this save updates, if any.
        StoredDashboard byId = null;
        if (id > 0) {
            if (store.folderById(id).isPresent()) {
                throw Json.fail(Json.message(400, "Dashboard cannot be changed to a folder"));
            }
            byId = store.dashboardById(id).orElseThrow(
                    () -> Json.fail(Json.status(404, "not-found", "Dashboard not found")));
            if (uid.isEmpty()) {
                uid = byId.uid();
            }
        }
        StoredDashboard byUid = null;
        if (!uid.isEmpty()) {
            if (store.folder(uid).isPresent()) {
                throw Json.fail(Json.message(400, "Dashboard cannot be changed to a folder"));
            }
            byUid = store.dashboard(uid).orElse(null);
        }
        if (byId != null && byUid != null && byId.id() != byUid.id()) {
            throw Json.fail(Json.message(400, "A dashboard with the same uid already exists"));
        }
        StoredDashboard existing = byUid != null ? byUid : byId;
        if (existing != null && version != existing.version()) {
            if (!cmd.overwrite()) {
                throw Json.fail(Json.status(412, "version-mismatch", "The dashboard has been changed by someone else"));
            }
            version = existing.version();
        }

        // Step 9: write the row and a version row.
        Instant now = clock.instant();
        StoredDashboard saved;
        if (existing == null) {
            saved = new StoredDashboard(store.nextId(), uid.isEmpty() ? store.newUid() : uid, title, folderUid, 1,
                    data, tags(data), now, now, login, login);
        } else {
            saved = new StoredDashboard(existing.id(), uid, title, folderUid, version + 1, data, tags(data),
                    existing.created(), now, existing.createdBy(), login);
        }
        data.put("id", saved.id());
        data.put("uid", saved.uid());
        data.put("version", saved.version());
        data.put("title", title);
        store.putDashboard(existing == null ? null : existing.uid(), saved);
        store.addVersion(new DashboardVersion(store.nextVersionId(), saved.id(), saved.uid(),
                existing == null ? 0 : existing.version(), saved.version(), now, login, cmd.message(), data.deepCopy()));
        return saved;
    }

    static void validateUid(String uid) {
        if (!UID_CHARS.matcher(uid).matches()) {
            throw Json.fail(Json.message(400, "uid contains illegal characters"));
        }
        if (uid.length() > MAX_UID_LENGTH) {
            throw Json.fail(Json.message(400, "uid too long, max 40 characters"));
        }
    }

    /** folderUid wins over the deprecated folderId; none means the root (also on update: a move to root). */
    private String resolveFolder(SaveDashboardCommand cmd) {
        if (!cmd.folderUid().isEmpty()) {
            return store.folder(cmd.folderUid())
                    .orElseThrow(() -> Json.fail(Json.message(400, "folder not found"))).uid();
        }
        if (cmd.folderId() > 0) {
            return store.folderById(cmd.folderId())
                    .orElseThrow(() -> Json.fail(Json.message(400, "folder not found"))).uid();
        }
        return "";
    }

    private static List<String> tags(ObjectNode data) {
        List<String> tags = new ArrayList<>();
        JsonNode node = data.get("tags");
        if (node != null && node.isArray()) {
            node.forEach(t -> {
                if (t.isTextual()) {
                    tags.add(t.textValue());
                }
            });
        }
        return tags;
    }
}
