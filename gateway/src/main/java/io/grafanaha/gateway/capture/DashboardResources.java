package io.grafanaha.gateway.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.gateway.proxy.LocalResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Grafana 12's dashboard resource API as the capture reads it (grafana-api.md §1.10; the emulator's
 * {@code testkit/RESOURCE-API.md}): {@code /apis/dashboard.grafana.app/<version>/namespaces/<ns>/dashboards[/<name>]}.
 * Only the versions whose {@code spec} is the classic dashboard JSON ({@code v0*}, {@code v1*}) are recognised: a
 * {@code v2} spec is another schema, which the write-back could not put in Git as a dashboard file.
 */
final class DashboardResources {
    static final String GROUP = "dashboard.grafana.app";
    static final String FOLDER = "grafana.app/folder";
    static final String INTERNAL_ID = "grafana.app/deprecatedInternalID";
    private static final Pattern CLASSIC_VERSION = Pattern.compile("v[01](alpha[0-9]+|beta[0-9]+)?");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A parsed resource path.
     *
     * @param collection the path up to and including {@code /dashboards}, as sent
     * @param name       the dashboard's name (uid), percent-decoded; empty for the collection
     * @param dto        the path ends in the {@code /dto} read Grafana 12's UI loads a dashboard with
     */
    record Path(String collection, Optional<String> name, boolean dto) {
        /** The path of the named dashboard itself (no {@code /dto}), for reading it from another backend. */
        String item() {
            return collection + "/" + name.orElseThrow();
        }
    }

    /** What a resource response says of the dashboard it carries. */
    record Answer(String name, long id, int generation, String resourceVersion, ObjectNode spec, String folderUid) {}

    private DashboardResources() {}

    /** The path, when {@code path} is a classic-version dashboard resource path; empty otherwise. */
    static Optional<Path> parse(String path) {
        if (path == null || !path.startsWith("/apis/")) {
            return Optional.empty();
        }
        String[] s = path.substring(6).split("/", -1);
        if (s.length < 5 || s.length > 7 || !s[0].equals(GROUP) || !CLASSIC_VERSION.matcher(s[1]).matches()
                || !s[2].equals("namespaces") || s[3].isEmpty() || !s[4].equals("dashboards")) {
            return Optional.empty();
        }
        String collection = "/apis/" + String.join("/", s[0], s[1], s[2], s[3], s[4]);
        if (s.length == 5) {
            return Optional.of(new Path(collection, Optional.empty(), false));
        }
        if (s[5].isEmpty() || s.length == 7 && !s[6].equals("dto")) {
            return Optional.empty();
        }
        try {
            String name = s[5].indexOf('%') < 0 ? s[5] : URLDecoder.decode(s[5].replace("+", "%2B"), StandardCharsets.UTF_8);
            return Optional.of(new Path(collection, Optional.of(name), s.length == 7));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** POST on the collection and PUT on a name are saves; DELETE on a name is a delete. */
    static Optional<GrafanaWrite.Kind> kind(String method, String path) {
        Optional<Path> p = parse(path);
        if (p.isEmpty() || p.get().dto()) {
            return Optional.empty();
        }
        boolean named = p.get().name().isPresent();
        return Optional.ofNullable(switch (method) {
            case "POST" -> named ? null : GrafanaWrite.Kind.DASHBOARD_RESOURCE_SAVE;
            case "PUT" -> named ? GrafanaWrite.Kind.DASHBOARD_RESOURCE_SAVE : null;
            case "DELETE" -> named ? GrafanaWrite.Kind.DASHBOARD_DELETE : null;
            default -> null;
        });
    }

    /** A GET of one dashboard (or its {@code /dto}): its answer tells which backend holds which version. */
    static boolean isLoad(String method, String path) {
        return method.equals("GET") && parse(path).flatMap(Path::name).isPresent();
    }

    /** What the write does; empty when the body of a save is not a resource object. */
    static Optional<GrafanaWrite> classify(String method, String path, byte[] body) {
        Optional<GrafanaWrite.Kind> kind = kind(method, path);
        if (kind.isEmpty()) {
            return Optional.empty();
        }
        Path p = parse(path).orElseThrow();
        if (kind.get() == GrafanaWrite.Kind.DASHBOARD_DELETE) {
            return Optional.of(new GrafanaWrite.DashboardDelete(p.name().orElseThrow()));
        }
        JsonNode root = GrafanaWrites.object(body);
        if (root == null || !root.path("metadata").isObject() && !root.path("metadata").isMissingNode()) {
            return Optional.empty();
        }
        JsonNode metadata = root.path("metadata");
        boolean create = method.equals("POST");
        Optional<String> name = create ? GrafanaWrites.text(metadata, "name") : p.name();
        return Optional.of(new GrafanaWrite.DashboardResourceSave(name, GrafanaWrites.text(metadata, "resourceVersion"), create,
                GrafanaWrites.text(metadata.path("annotations"), FOLDER)));
    }

    /** Reads a resource (or {@code /dto}) response; empty when it is not a dashboard resource with its numbers. */
    static Optional<Answer> answer(JsonNode resource) {
        if (resource == null) {
            return Optional.empty();
        }
        JsonNode metadata = resource.path("metadata");
        OptionalLong id = parseLong(metadata.path("labels").path(INTERNAL_ID).asText(""));
        if (!metadata.path("name").isTextual() || !metadata.path("resourceVersion").isTextual() || id.isEmpty()
                || !metadata.path("generation").canConvertToInt() || !(resource.get("spec") instanceof ObjectNode spec)) {
            return Optional.empty();
        }
        return Optional.of(new Answer(metadata.get("name").asText(), id.getAsLong(), metadata.get("generation").asInt(),
                metadata.get("resourceVersion").asText(), spec, metadata.path("annotations").path(FOLDER).asText("")));
    }

    static Optional<Answer> answer(byte[] body) {
        return Optional.ofNullable(GrafanaWrites.object(body)).flatMap(DashboardResources::answer);
    }

    /**
     * What Grafana's resource API answers an update over a version that is no longer current: Kubernetes' 409 Conflict
     * {@code Status} (apimachinery {@code NewConflict} with the storage's optimistic-lock message).
     */
    static LocalResponse conflict(String name) {
        ObjectNode status = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure")
                .put("message", "Operation cannot be fulfilled on dashboards." + GROUP + " \"" + name
                        + "\": the object has been modified; please apply your changes to the latest version and try again")
                .put("reason", "Conflict");
        status.putObject("details").put("name", name).put("group", GROUP).put("kind", "dashboards");
        status.put("code", 409);
        return LocalResponse.json(409, status.toString());
    }

    private static OptionalLong parseLong(String value) {
        try {
            return value.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(value));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
