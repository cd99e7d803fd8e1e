package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Grafana 12's Kubernetes-style dashboard API, {@code /apis/dashboard.grafana.app/<version>/namespaces/<ns>/dashboards},
 * over the same store as the legacy {@code /api/dashboards} ({@link DashboardApi}): a dashboard saved through one is
 * read through the other, and a save through either counts one version. Facts and sources in
 * {@code testkit/RESOURCE-API.md}. Like Grafana's legacy storage, a write first checks {@code metadata.resourceVersion}
 * (Kubernetes' optimistic lock) and then saves as the legacy API does with {@code overwrite: true}. Callers hold the
 * store lock.
 */
final class DashboardResourceApi {
    static final String GROUP = "dashboard.grafana.app";
    static final Set<String> VERSIONS = Set.of("v0alpha1", "v1beta1", "v1");
    static final String FOLDER = "grafana.app/folder";
    static final String MESSAGE = "grafana.app/message";
    static final String INTERNAL_ID = "grafana.app/deprecatedInternalID";
    private static final Pattern NAMESPACE = Pattern.compile("default|stacks-[0-9]+");
    private static final String BASE = "/apis/" + GROUP + "/:version/namespaces/:namespace/dashboards";
    private static final Pattern CONTINUE = Pattern.compile("org:1/start:([0-9]{1,18})/folder:.*");
    private static final String ALNUM = "bcdfghjklmnpqrstvwxz2456789"; // apimachinery's generateName alphabet

    private final GrafanaStore store;
    private final DashboardSaver saver;
    private final SecureRandom random = new SecureRandom();

    DashboardResourceApi(GrafanaStore store, DashboardSaver saver) {
        this.store = store;
        this.saver = saver;
    }

    void register(Router router) {
        router.add("GET", BASE, this::list);
        router.add("POST", BASE, this::create);
        router.add("GET", BASE + "/:name", this::get);
        router.add("GET", BASE + "/:name/dto", this::dto);
        router.add("PUT", BASE + "/:name", this::update);
        router.add("DELETE", BASE + "/:name", this::delete);
    }

    /**
     * The resource version the emulator gives a stored dashboard. Grafana's legacy storage computes it from the
     * dashboard's id and version ({@code getResourceVersion}: {@code version + id * 10000000}); clients treat it as
     * opaque. Two instances' values differ for the same content, as their ids do.
     */
    static String resourceVersion(StoredDashboard d) {
        return Long.toString(d.id() * 10_000_000L + d.version());
    }

    /**
     * The list, as Grafana's legacy storage pages it: rows in dashboard id order, {@code limit} per page, and
     * {@code metadata.continue} naming the first row of the next page ({@code org:1/start:<id>/folder:}, Grafana's
     * legacy continue token; clients pass it back unread). Asked for {@code as=PartialObjectMetadataList} in
     * {@code Accept}, the apiserver answers each item's metadata only.
     */
    private ApiResponse list(ApiRequest req) {
        String apiVersion = apiVersion(req);
        String namespace = req.param("namespace");
        long limit = req.queryFirst("limit").map(DashboardResourceApi::limit).orElse(0L);
        long start = req.queryFirst("continue").filter(c -> !c.isEmpty()).map(DashboardResourceApi::startOf).orElse(0L);
        List<StoredDashboard> rows = store.dashboards().stream().filter(d -> d.id() >= start)
                .sorted(Comparator.comparingLong(StoredDashboard::id)).toList();
        List<StoredDashboard> page = limit > 0 && rows.size() > limit ? rows.subList(0, (int) limit) : rows;
        boolean metadataOnly = metadataOnly(req);
        ObjectNode body = metadataOnly
                ? Json.object().put("kind", "PartialObjectMetadataList").put("apiVersion", "meta.k8s.io/v1")
                : Json.object().put("kind", "DashboardList").put("apiVersion", apiVersion);
        long newest = store.dashboards().stream().mapToLong(d -> Long.parseLong(resourceVersion(d))).max().orElse(0);
        ObjectNode listMeta = body.putObject("metadata").put("resourceVersion", Long.toString(newest));
        if (page.size() < rows.size()) {
            listMeta.put("continue", "org:1/start:" + rows.get(page.size()).id() + "/folder:");
        }
        ArrayNode items = body.putArray("items");
        for (StoredDashboard d : page) {
            items.add(metadataOnly ? Json.object().put("kind", "PartialObjectMetadata")
                    .put("apiVersion", "meta.k8s.io/v1").set("metadata", metadata(d, namespace))
                    : resource(d, apiVersion, namespace));
        }
        return Json.ok(body);
    }

    /** Kubernetes' {@code limit}: a count; 0 (or none) lists everything. */
    private static long limit(String value) {
        try {
            long n = Long.parseLong(value.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Json.fail(status(400, "BadRequest", "invalid limit: " + Json.quote(value), ""));
    }

    /** The first dashboard id of the page a continue token names; a token this server did not write is 400. */
    private static long startOf(String token) {
        Matcher m = CONTINUE.matcher(token);
        if (!m.matches()) {
            throw Json.fail(status(400, "BadRequest", "invalid continue token", ""));
        }
        return Long.parseLong(m.group(1));
    }

    /** Whether {@code Accept} asks for the metadata-only list first (the generic apiserver's content negotiation). */
    private static boolean metadataOnly(ApiRequest req) {
        String accept = req.headers().get("Accept");
        if (accept == null) {
            return false;
        }
        String first = accept.split(",")[0].replace(" ", "");
        return first.startsWith("application/json;") && first.contains(";as=PartialObjectMetadataList")
                && first.contains(";g=meta.k8s.io") && first.contains(";v=v1");
    }

    private ApiResponse get(ApiRequest req) {
        String apiVersion = apiVersion(req);
        return Json.ok(resource(existing(req.param("name")), apiVersion, req.param("namespace")));
    }

    /**
     * The read Grafana 12's UI opens a dashboard with: the resource plus what the caller may do with it
     * ({@code DashboardWithAccessInfo}; the emulator's callers may do everything).
     */
    private ApiResponse dto(ApiRequest req) {
        String apiVersion = apiVersion(req);
        StoredDashboard d = existing(req.param("name"));
        ObjectNode body = resource(d, apiVersion, req.param("namespace"));
        body.putObject("access").put("slug", d.slug()).put("url", d.url()).put("canSave", true).put("canEdit", true)
                .put("canAdmin", true).put("canStar", true).put("canDelete", true);
        return Json.ok(body);
    }

    /** POST: {@code metadata.name} or {@code generateName}; an existing name is 409 AlreadyExists. */
    private ApiResponse create(ApiRequest req) {
        String apiVersion = apiVersion(req);
        ObjectNode body = body(req);
        JsonNode metadata = body.path("metadata");
        String name = metadata.path("name").asText("");
        if (name.isEmpty()) {
            String prefix = metadata.path("generateName").asText("");
            if (prefix.isEmpty()) {
                throw Json.fail(status(400, "BadRequest", "name or generateName is required", ""));
            }
            do {
                name = prefix + suffix();
            } while (store.uidTaken(name));
        }
        if (!metadata.path("resourceVersion").asText("").isEmpty()) {
            throw Json.fail(status(400, "BadRequest", "resourceVersion should not be set on objects to be created", name));
        }
        if (store.uidTaken(name)) {
            throw Json.fail(status(409, "AlreadyExists", qualified(name) + " already exists", name));
        }
        StoredDashboard saved = save(name, body, req.login(), null);
        ApiResponse ok = Json.ok(resource(saved, apiVersion, req.param("namespace")));
        return ApiResponse.json(201, ok.body());
    }

    /** PUT: the body's {@code metadata.resourceVersion}, when given, must be the current one, else 409 Conflict. */
    private ApiResponse update(ApiRequest req) {
        String apiVersion = apiVersion(req);
        String name = req.param("name");
        ObjectNode body = body(req);
        String bodyName = body.path("metadata").path("name").asText("");
        if (!bodyName.equals(name)) {
            throw Json.fail(status(400, "BadRequest",
                    "the name of the object (" + bodyName + ") does not match the name on the URL (" + name + ")", name));
        }
        StoredDashboard current = existing(name);
        String wanted = body.path("metadata").path("resourceVersion").asText("");
        if (!wanted.isEmpty() && !wanted.equals(resourceVersion(current))) {
            throw Json.fail(status(409, "Conflict", "Operation cannot be fulfilled on " + qualified(name)
                    + ": the object has been modified; please apply your changes to the latest version and try again", name));
        }
        StoredDashboard saved = save(name, body, req.login(), current);
        return Json.ok(resource(saved, apiVersion, req.param("namespace")));
    }

    private ApiResponse delete(ApiRequest req) {
        apiVersion(req);
        String name = req.param("name");
        StoredDashboard d = existing(name);
        store.removeDashboard(name);
        ObjectNode status = Json.object().put("kind", "Status").put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Success");
        status.putObject("details").put("name", name).put("group", GROUP).put("kind", "dashboards")
                .put("uid", clusterUid(d));
        return Json.ok(status);
    }

    /** The legacy save with the resource version already checked: Grafana passes {@code Overwrite: true}. */
    private StoredDashboard save(String name, ObjectNode body, String login, StoredDashboard current) {
        JsonNode spec = body.get("spec");
        if (spec == null || !spec.isObject()) {
            throw Json.fail(status(400, "BadRequest", "spec is required", name));
        }
        ObjectNode dashboard = ((ObjectNode) spec).deepCopy();
        dashboard.put("uid", name);
        dashboard.remove("id");
        if (current != null) {
            dashboard.put("id", current.id());
            dashboard.put("version", current.version());
        }
        JsonNode annotations = body.path("metadata").path("annotations");
        ObjectNode command = Json.object();
        command.set("dashboard", dashboard);
        command.put("overwrite", true);
        command.put("folderUid", annotations.path(FOLDER).asText(""));
        command.put("message", annotations.path(MESSAGE).asText(""));
        try {
            return saver.save(SaveDashboardCommand.bind(Json.bytes(command)), login);
        } catch (ApiException e) {
            // The legacy save's own errors (empty title, unknown folder) come back as a Kubernetes Status.
            String message = messageOf(e.response());
            throw Json.fail(status(e.response().status(), e.response().status() == 400 ? "BadRequest" : "InternalError",
                    message, name));
        }
    }

    private ObjectNode resource(StoredDashboard d, String apiVersion, String namespace) {
        ObjectNode node = Json.object().put("kind", "Dashboard").put("apiVersion", apiVersion);
        node.set("metadata", metadata(d, namespace));
        ObjectNode spec = d.json();
        spec.remove("id"); // Grafana moves the id to the label
        node.set("spec", spec);
        return node;
    }

    private ObjectNode metadata(StoredDashboard d, String namespace) {
        ObjectNode metadata = Json.object();
        metadata.put("name", d.uid())
                .put("namespace", namespace)
                .put("uid", clusterUid(d))
                .put("resourceVersion", resourceVersion(d))
                .put("generation", d.version())
                .put("creationTimestamp", Json.time(d.created()));
        metadata.putObject("labels").put(INTERNAL_ID, Long.toString(d.id()));
        ObjectNode annotations = metadata.putObject("annotations");
        annotations.put("grafana.app/createdBy", "user:" + d.createdBy())
                .put("grafana.app/updatedBy", "user:" + d.updatedBy())
                .put("grafana.app/updatedTimestamp", Json.time(d.updated()));
        if (!d.folderUid().isEmpty()) {
            annotations.put(FOLDER, d.folderUid());
        }
        store.versions(d.uid()).stream().reduce((a, b) -> b)
                .filter(v -> !v.message().isEmpty())
                .ifPresent(v -> annotations.put(MESSAGE, v.message()));
        return metadata;
    }

    private String apiVersion(ApiRequest req) {
        String version = req.param("version");
        String namespace = req.param("namespace");
        if (!VERSIONS.contains(version)) {
            throw Json.fail(Json.message(404, "Not found"));
        }
        if (!NAMESPACE.matcher(namespace).matches()) {
            throw Json.fail(status(404, "NotFound", "namespace " + Json.quote(namespace) + " not found", ""));
        }
        return GROUP + "/" + version;
    }

    private StoredDashboard existing(String name) {
        return store.dashboard(name)
                .orElseThrow(() -> Json.fail(status(404, "NotFound", qualified(name) + " not found", name)));
    }

    private static ObjectNode body(ApiRequest req) {
        try {
            JsonNode node = Json.parse(req.body());
            if (node != null && node.isObject()) {
                return (ObjectNode) node;
            }
        } catch (IOException e) {
            // answered below
        }
        throw Json.fail(status(400, "BadRequest", "the body of the request was in an unknown format", ""));
    }

    private String suffix() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            s.append(ALNUM.charAt(random.nextInt(ALNUM.length())));
        }
        return s.toString();
    }

    private static String qualified(String name) {
        return "dashboards." + GROUP + " " + Json.quote(name);
    }

    /** A stable Kubernetes object uid per dashboard row (Grafana derives it from the row, CalculateClusterWideUID). */
    private static String clusterUid(StoredDashboard d) {
        return UUID.nameUUIDFromBytes((d.uid() + "/" + d.id()).getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static String messageOf(ApiResponse response) {
        try {
            return Json.parse(response.body()).path("message").asText("");
        } catch (IOException e) {
            return "";
        }
    }

    /** Kubernetes' {@code metav1.Status} failure body (apimachinery {@code pkg/api/errors}). */
    static ApiResponse status(int code, String reason, String message, String name) {
        ObjectNode status = Json.object().put("kind", "Status").put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure").put("message", message).put("reason", reason);
        if (!name.isEmpty()) {
            status.putObject("details").put("name", name).put("group", GROUP).put("kind", "dashboards");
        }
        status.put("code", code);
        return ApiResponse.json(code, Json.bytes(status));
    }
}
