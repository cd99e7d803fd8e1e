package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * {@code /api/library-elements} (grafana-api.md §1.10, from grafana/grafana {@code pkg/services/libraryelements}):
 * create with a uid, get by uid, {@code PATCH} with the version read (412 on a mismatch), delete (403 while a
 * dashboard uses it), list. Bodies are {@code {"result": ...}}; errors carry {@code traceID} like Grafana's
 * {@code response.Error} with an error attached. Callers hold the store lock.
 */
final class LibraryElementApi {
    static final int PANEL = 1;
    private static final int DEFAULT_PER_PAGE = 100;

    private final GrafanaStore store;
    private final Clock clock;

    LibraryElementApi(GrafanaStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    void register(Router router) {
        router.add("GET", "/api/library-elements", this::list);
        router.add("GET", "/api/library-elements/:uid", this::get);
        router.add("POST", "/api/library-elements", this::create);
        router.add("PATCH", "/api/library-elements/:uid", this::patch);
        router.add("DELETE", "/api/library-elements/:uid", this::delete);
    }

    private ApiResponse get(ApiRequest req) {
        return Json.ok(Json.object().set("result", dto(existing(req.param("uid")))));
    }

    /** {@code perPage} (default 100) and {@code page} from 1; {@code kind} filters; sorted by name. */
    private ApiResponse list(ApiRequest req) {
        int perPage = req.queryInt("perPage", DEFAULT_PER_PAGE);
        perPage = perPage <= 0 ? DEFAULT_PER_PAGE : perPage;
        int page = Math.max(1, req.queryInt("page", 1));
        int kind = req.queryInt("kind", 0);
        List<StoredLibraryElement> all = store.libraryElements().stream()
                .filter(e -> kind == 0 || e.kind() == kind)
                .sorted(Comparator.comparing((StoredLibraryElement e) -> e.name().toLowerCase(Locale.ROOT)))
                .toList();
        ObjectNode result = Json.object().put("totalCount", all.size());
        ArrayNode elements = result.putArray("elements");
        all.stream().skip((long) (page - 1) * perPage).limit(perPage).forEach(e -> elements.add(dto(e)));
        result.put("page", page).put("perPage", perPage);
        return Json.ok(Json.object().set("result", result));
    }

    private ApiResponse create(ApiRequest req) {
        JsonNode body = bind(req.body());
        String uid = body.path("uid").asText("");
        String name = body.path("name").asText("");
        int kind = body.path("kind").asInt(0);
        if (kind != PANEL) {
            throw Json.fail(Json.messageWithTrace(400, kind == 0 ? "bad request data"
                    : "the element kind is not supported"));
        }
        if (!uid.isEmpty()) {
            validateUid(uid);
        }
        ObjectNode model = body.path("model") instanceof ObjectNode m ? m.deepCopy() : Json.object();
        String folderUid = folder(body);
        return Json.ok(Json.object().set("result", dto(create(uid, name, folderUid, model, req.login()))));
    }

    /** Shared with {@link GrafanaEmulator#putLibraryElement}: the checks of the create call. */
    StoredLibraryElement create(String uid, String name, String folderUid, ObjectNode model, String login) {
        String id = uid.isEmpty() ? store.newUid() : uid;
        if (store.libraryElement(id).isPresent() || nameTaken(name, folderUid, null)) {
            throw Json.fail(Json.messageWithTrace(400, "library element with that name or UID already exists"));
        }
        Instant now = clock.instant();
        StoredLibraryElement e = new StoredLibraryElement(store.nextLibraryElementId(), id, name, PANEL, folderUid,
                model, 1, now, now, login, login);
        store.putLibraryElement(e);
        return e;
    }

    /** Only the fields sent change; {@code version} must be the stored one. */
    private ApiResponse patch(ApiRequest req) {
        StoredLibraryElement current = existing(req.param("uid"));
        JsonNode body = bind(req.body());
        if (body.path("kind").asInt(0) != PANEL) {
            throw Json.fail(Json.messageWithTrace(400, "the element kind is not supported"));
        }
        if (body.path("version").asInt(-1) != current.version()) {
            throw Json.fail(Json.messageWithTrace(412, "the library element has been changed by someone else"));
        }
        String name = body.path("name").asText("").isEmpty() ? current.name() : body.path("name").asText();
        ObjectNode model = body.path("model") instanceof ObjectNode m ? m.deepCopy() : current.model();
        String folderUid = body.has("folderUid") ? folder(body) : current.folderUid();
        if (nameTaken(name, folderUid, current.uid())) {
            throw Json.fail(Json.messageWithTrace(400, "library element with that name or UID already exists"));
        }
        StoredLibraryElement updated = new StoredLibraryElement(current.id(), current.uid(), name, current.kind(),
                folderUid, model, current.version() + 1, current.created(), clock.instant(), current.createdBy(),
                req.login());
        store.putLibraryElement(updated);
        return Json.ok(Json.object().set("result", dto(updated)));
    }

    private ApiResponse delete(ApiRequest req) {
        StoredLibraryElement e = existing(req.param("uid"));
        if (connections(e.uid()) > 0) {
            throw Json.fail(Json.messageWithTrace(403, "the library element has connections"));
        }
        store.removeLibraryElement(e.uid());
        return Json.ok(Json.object().put("message", "Library element deleted").put("id", e.id()));
    }

    /** How many dashboards use this library panel (their panels, or a row's panels). */
    int connections(String uid) {
        return store.connections(uid);
    }

    /** Every {@code panels[].libraryPanel.uid} of a dashboard, rows' collapsed panels included. */
    static List<String> libraryPanelUids(JsonNode dashboard) {
        List<String> out = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            String uid = panel.path("libraryPanel").path("uid").asText("");
            if (!uid.isEmpty()) {
                out.add(uid);
            }
            out.addAll(libraryPanelUids(panel));
        }
        return out;
    }

    private boolean nameTaken(String name, String folderUid, String except) {
        return store.libraryElements().stream().anyMatch(e -> !e.uid().equals(except) && e.name().equals(name)
                && e.folderUid().equals(folderUid));
    }

    /** {@code folderUid}: absent or "" is General; an unknown folder is refused as Grafana's fallback does. */
    private String folder(JsonNode body) {
        String folderUid = body.path("folderUid").asText("");
        if (!folderUid.isEmpty() && store.folder(folderUid).isEmpty()) {
            throw Json.fail(Json.messageWithTrace(400, "failed to get folder"));
        }
        return folderUid;
    }

    private StoredLibraryElement existing(String uid) {
        return store.libraryElement(uid).orElseThrow(
                () -> Json.fail(Json.messageWithTrace(404, "library element could not be found")));
    }

    /** Grafana's uid rule, answered through {@code toLibraryElementError}: with a traceID. */
    private static void validateUid(String uid) {
        if (!uid.matches("[a-zA-Z0-9_-]*")) {
            throw Json.fail(Json.messageWithTrace(400, "uid contains illegal characters"));
        }
        if (uid.length() > 40) {
            throw Json.fail(Json.messageWithTrace(400, "uid too long, max 40 characters"));
        }
    }

    private static JsonNode bind(byte[] body) {
        try {
            JsonNode node = Json.parse(body);
            if (node == null || !node.isObject()) {
                throw Json.fail(Json.messageWithTrace(400, "bad request data"));
            }
            return node;
        } catch (IOException e) {
            throw Json.fail(Json.messageWithTrace(400, "bad request data"));
        }
    }

    /** {@code LibraryElementDTO}: ids, folder, model, version and {@code meta}. */
    private ObjectNode dto(StoredLibraryElement e) {
        ObjectNode dto = Json.object()
                .put("id", e.id())
                .put("orgId", 1)
                .put("folderId", store.folder(e.folderUid()).map(StoredFolder::id).orElse(0L))
                .put("folderUid", e.folderUid())
                .put("uid", e.uid())
                .put("name", e.name())
                .put("kind", e.kind())
                .put("type", e.type())
                .put("description", e.description());
        dto.set("model", e.model());
        dto.put("version", e.version());
        ObjectNode meta = dto.putObject("meta")
                .put("folderName", store.folder(e.folderUid()).map(StoredFolder::title).orElse("General"))
                .put("folderUid", e.folderUid())
                .put("connectedDashboards", connections(e.uid()))
                .put("created", Json.time(e.created()))
                .put("updated", Json.time(e.updated()));
        meta.putObject("createdBy").put("id", 1).put("name", e.createdBy()).put("avatarUrl", "");
        meta.putObject("updatedBy").put("id", 1).put("name", e.updatedBy()).put("avatarUrl", "");
        return dto;
    }
}
