package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code GET /api/search} (grafana-api.md §1.7). Callers hold the store lock. */
final class SearchApi {
    private static final int DEFAULT_LIMIT = 1000;
    private static final int MAX_LIMIT = 5000;

    private record Hit(boolean folder, String title, ObjectNode json) {
    }

    private final GrafanaStore store;

    SearchApi(GrafanaStore store) {
        this.store = store;
    }

    void register(Router router) {
        router.add("GET", "/api/search", this::search);
    }

    private ApiResponse search(ApiRequest req) {
        String type = req.queryFirst("type").orElse("");
        String query = req.queryFirst("query").orElse("").toLowerCase(Locale.ROOT);
        // "general" is how search names the root folder.
        Set<String> folderUids = Set.copyOf(req.queryList("folderUIDs").stream()
                .map(u -> "general".equals(u) ? "" : u).toList());
        Set<String> dashboardUids = Set.copyOf(req.queryList("dashboardUIDs"));
        List<String> tags = req.query().getOrDefault("tag", List.of());
        boolean starredOnly = "true".equals(req.queryFirst("starred").orElse(""));
        int limit = req.queryInt("limit", DEFAULT_LIMIT);
        limit = limit <= 0 ? DEFAULT_LIMIT : Math.min(limit, MAX_LIMIT);
        int page = Math.max(1, req.queryInt("page", 1));

        List<Hit> hits = new ArrayList<>();
        // Nothing is ever starred here; folders carry no tags, so a tag filter excludes them.
        boolean foldersWanted = !starredOnly && tags.isEmpty() && dashboardUids.isEmpty() && !"dash-db".equals(type);
        boolean dashboardsWanted = !starredOnly && !"dash-folder".equals(type);
        if (foldersWanted) {
            for (StoredFolder f : store.folders()) {
                if (matches(f.title(), query) && (folderUids.isEmpty() || folderUids.contains(f.parentUid()))) {
                    hits.add(new Hit(true, f.title(), folderHit(f)));
                }
            }
        }
        if (dashboardsWanted) {
            for (StoredDashboard d : store.dashboards()) {
                if (matches(d.title(), query)
                        && (folderUids.isEmpty() || folderUids.contains(d.folderUid()))
                        && (dashboardUids.isEmpty() || dashboardUids.contains(d.uid()))
                        && d.tags().containsAll(tags)) {
                    hits.add(new Hit(false, d.title(), dashboardHit(d)));
                }
            }
        }
        hits.sort(Comparator.comparing((Hit h) -> !h.folder())
                .thenComparing(h -> h.title().toLowerCase(Locale.ROOT)));
        ArrayNode body = Json.MAPPER.createArrayNode();
        hits.stream().skip((long) (page - 1) * limit).limit(limit).forEach(h -> body.add(h.json()));
        return Json.ok(body);
    }

    private static boolean matches(String title, String query) {
        return query.isEmpty() || title.toLowerCase(Locale.ROOT).contains(query);
    }

    private ObjectNode folderHit(StoredFolder f) {
        ObjectNode hit = Json.object()
                .put("id", f.id())
                .put("uid", f.uid())
                .put("title", f.title())
                .put("uri", "db/" + Slugify.slugify(f.title()))
                .put("url", f.url())
                .put("slug", "")
                .put("type", "dash-folder");
        hit.putArray("tags");
        hit.put("isStarred", false);
        addFolderFields(hit, f.parentUid());
        return hit.put("sortMeta", 0);
    }

    private ObjectNode dashboardHit(StoredDashboard d) {
        ObjectNode hit = Json.object()
                .put("id", d.id())
                .put("uid", d.uid())
                .put("title", d.title())
                .put("uri", "db/" + d.slug())
                .put("url", d.url())
                .put("slug", "")
                .put("type", "dash-db");
        ArrayNode tags = hit.putArray("tags");
        d.tags().forEach(tags::add);
        hit.put("isStarred", false);
        addFolderFields(hit, d.folderUid());
        return hit.put("sortMeta", 0);
    }

    /** §1.7: folder fields are omitempty, so absent for items at the root. */
    private void addFolderFields(ObjectNode hit, String folderUid) {
        store.folder(folderUid).ifPresent(parent -> hit
                .put("folderId", parent.id())
                .put("folderUid", parent.uid())
                .put("folderTitle", parent.title())
                .put("folderUrl", parent.url()));
    }
}
