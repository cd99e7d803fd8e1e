package io.grafanaha.sync.desired;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.grafanaha.sync.json.CanonicalJson;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.NodeEvent;

/**
 * Turns the bytes of one file into a dashboard, or into the reason it cannot be used.
 *
 * <p>Accepted: a Kubernetes-style resource ({@code apiVersion: dashboard.grafana.app/...}, {@code kind:
 * Dashboard}, {@code metadata.name} = uid, {@code spec} = dashboard; {@code metadata.name} wins over
 * {@code spec.uid}), or a classic dashboard object, either in JSON or YAML. A file without a uid is rejected rather
 * than given one derived from its path: a derived uid would change when the file moves, deleting and recreating
 * the dashboard (stars, history and links lost) — the file must say who it is.
 */
final class DashboardFileParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final String DASHBOARD_GROUP = "dashboard.grafana.app/";

    /** The outcome for one file. */
    sealed interface Result {}

    /** A usable dashboard; {@code json} has {@code uid} set and no {@code id}/{@code version}. */
    record Dashboard(String uid, String title, ObjectNode json, SourceFormat format) implements Result {}

    /** Not usable: the problem, the uid if known, and whether the file may be a dashboard of unknown uid. */
    record Rejected(String problem, Optional<String> uid, boolean mayBeDashboard) implements Result {
        FileError toError(String path) {
            if (uid.isPresent()) {
                return FileError.protecting(path, uid.get(), problem);
            }
            return mayBeDashboard ? FileError.holdingDeletes(path, problem) : FileError.ignoring(path, problem);
        }
    }

    private DashboardFileParser() {}

    static SourceFormat.Encoding encodingOf(String path) {
        return path.endsWith(".json") ? SourceFormat.Encoding.JSON : SourceFormat.Encoding.YAML;
    }

    /**
     * Reads a JSON or YAML object (a UTF-8 BOM is ignored); syntax errors come back as the exception. YAML
     * anchors and aliases are refused as a syntax error: Jackson reads an alias as the string of its name, so
     * {@code - *cpu} would become the text "cpu" instead of the panel it points to, silently.
     */
    static JsonNode readTree(byte[] bytes, SourceFormat.Encoding encoding) throws IOException {
        byte[] b = bytes;
        if (b.length >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB && (b[2] & 0xff) == 0xBF) {
            b = Arrays.copyOfRange(b, 3, b.length);
        }
        if (encoding == SourceFormat.Encoding.YAML) {
            refuseAnchorsAndAliases(b);
        }
        return (encoding == SourceFormat.Encoding.JSON ? JSON : YAML).readTree(b);
    }

    /**
     * Walks the YAML events (SnakeYAML, the parser under Jackson's): Jackson reports neither an anchor on a
     * scalar nor, as such, an alias. A syntax error is left for Jackson to report as usual.
     */
    private static void refuseAnchorsAndAliases(byte[] yaml) throws IOException {
        try {
            for (Event event : new Yaml().parse(new InputStreamReader(new ByteArrayInputStream(yaml), StandardCharsets.UTF_8))) {
                String problem = event instanceof AliasEvent alias ? "YAML aliases are not supported: alias (*" + alias.getAnchor() + ")"
                        : event instanceof NodeEvent node && node.getAnchor() != null
                                ? "YAML anchors are not supported: anchor (&" + node.getAnchor() + ")" : null;
                if (problem != null) {
                    Mark at = event.getStartMark();
                    throw new JsonParseException(null, problem + " at line " + (at.getLine() + 1) + ", column " + (at.getColumn() + 1));
                }
            }
        } catch (YAMLException e) {
            // not valid YAML: Jackson's own reading reports it with its location
        }
    }

    static Result parse(byte[] bytes, SourceFormat.Encoding encoding) {
        JsonNode root;
        try {
            root = readTree(bytes, encoding);
        } catch (JacksonException e) {
            return new Rejected("invalid " + encoding + ": " + e.getOriginalMessage() + location(e),
                    encoding == SourceFormat.Encoding.JSON ? uidBeforeError(bytes) : Optional.empty(), true);
        } catch (IOException e) {
            return new Rejected("unreadable: " + e.getMessage(), Optional.empty(), true);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return new Rejected("empty file", Optional.empty(), false);
        }
        if (!root.isObject()) {
            return new Rejected("not a dashboard: the top level is " + root.getNodeType() + ", not an object",
                    Optional.empty(), false);
        }
        if (root.has("apiVersion") || root.has("kind")) {
            return parseResource((ObjectNode) root, encoding);
        }
        return parseClassic((ObjectNode) root, encoding);
    }

    private static Result parseResource(ObjectNode root, SourceFormat.Encoding encoding) {
        String apiVersion = root.path("apiVersion").asText("");
        String kind = root.path("kind").asText("");
        if (!apiVersion.startsWith(DASHBOARD_GROUP) || !kind.equals("Dashboard")) {
            return new Rejected("not a dashboard: apiVersion '" + apiVersion + "', kind '" + kind
                    + "' (expected " + DASHBOARD_GROUP + "*, Dashboard)", Optional.empty(), false);
        }
        JsonNode name = root.path("metadata").path("name");
        JsonNode spec = root.path("spec");
        if (!name.isTextual() || name.asText().isBlank()) {
            return new Rejected("metadata.name (the dashboard uid) is missing", Optional.empty(), true);
        }
        String uid = name.asText();
        if (!spec.isObject()) {
            return new Rejected("spec (the dashboard) is missing or not an object", Optional.of(uid), true);
        }
        return finish(uid, (ObjectNode) spec, SourceFormat.resource(encoding, apiVersion));
    }

    private static Result parseClassic(ObjectNode root, SourceFormat.Encoding encoding) {
        boolean looksLikeDashboard = root.has("panels") || root.has("rows") || root.has("schemaVersion")
                || root.has("title") || root.has("uid");
        if (!looksLikeDashboard) {
            return new Rejected("not a dashboard: none of title, uid, panels, schemaVersion at the top level",
                    Optional.empty(), false);
        }
        JsonNode uid = root.path("uid");
        if (!uid.isTextual() || uid.asText().isBlank()) {
            return new Rejected("no uid: every dashboard file must carry its own \"uid\"", Optional.empty(), true);
        }
        return finish(uid.asText(), root, SourceFormat.classic(encoding));
    }

    private static Result finish(String uid, ObjectNode dashboard, SourceFormat format) {
        if (uid.length() > 40) {
            return new Rejected("uid '" + uid + "' is longer than 40 characters", Optional.of(uid), false);
        }
        if (!FolderUids.VALID_UID.matcher(uid).matches()) {
            return new Rejected("uid '" + uid + "' has characters other than a-z A-Z 0-9 - _", Optional.of(uid),
                    false);
        }
        JsonNode title = dashboard.path("title");
        if (!title.isTextual() || title.asText().isBlank()) {
            return new Rejected("no title", Optional.of(uid), false);
        }
        ObjectNode json = CanonicalJson.normalise(dashboard);
        json.put("uid", uid);
        return new Dashboard(uid, title.asText().trim(), CanonicalJson.normalise(json), format);
    }

    /**
     * The uid of a JSON file that fails to parse, when it appears before the syntax error: top-level
     * {@code "uid"} (classic) or {@code metadata.name} (resource). Knowing it protects just that dashboard
     * instead of holding every delete.
     */
    static Optional<String> uidBeforeError(byte[] bytes) {
        Optional<String> found = Optional.empty();
        boolean resource = false;
        try (JsonParser p = JSON.getFactory().createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            String metadataName = null;
            String uid = null;
            JsonToken t;
            while ((t = p.nextToken()) != null && t != JsonToken.END_OBJECT) {
                String field = p.currentName();
                t = p.nextToken();
                if (t == JsonToken.VALUE_STRING && field.equals("uid")) {
                    uid = p.getText();
                } else if (t == JsonToken.VALUE_STRING && field.equals("apiVersion")) {
                    resource = true;
                } else if (t == JsonToken.START_OBJECT && field.equals("metadata")) {
                    while ((t = p.nextToken()) != null && t != JsonToken.END_OBJECT) {
                        String inner = p.currentName();
                        t = p.nextToken();
                        if (t == JsonToken.VALUE_STRING && inner.equals("name")) {
                            metadataName = p.getText();
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
                found = Optional.ofNullable(metadataName != null ? metadataName : resource ? null : uid);
            }
        } catch (IOException | RuntimeException e) {
            // expected: the file is broken somewhere; keep what was read before that point
        }
        return found.filter(u -> !u.isBlank());
    }

    private static String location(JacksonException e) {
        var loc = e.getLocation();
        return loc == null || loc.getLineNr() < 0 ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }
}
