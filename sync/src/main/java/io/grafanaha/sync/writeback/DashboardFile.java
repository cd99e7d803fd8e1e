package io.grafanaha.sync.writeback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.grafanaha.sync.desired.SourceFormat;
import io.grafanaha.sync.json.CanonicalJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a dashboard as saved in Grafana into the file that holds it in Git, so that the diff shows only what the
 * user changed.
 *
 * <p>The saved JSON is merged into the file's existing tree: keys keep their order and unchanged values keep their
 * original form (a {@code 1.0} stays {@code 1.0}); new keys come after the old ones, removed keys go, and {@code id}
 * and {@code version} are never written. The format is kept: a classic dashboard stays classic, a
 * {@code dashboard.grafana.app} resource keeps its {@code apiVersion}, {@code kind} and {@code metadata} with the
 * dashboard in {@code spec}; JSON keeps the file's indentation width and its final newline; YAML keeps a leading
 * comment block, a {@code ---} marker, and whether list items are indented under their key. Whitespace inside
 * lines (e.g. one-line objects written by hand) is not preserved: Jackson writes one value per line.
 */
final class DashboardFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML_READER = new YAMLMapper();
    private static final Pattern JSON_INDENT = Pattern.compile("\\n( +)\\S");
    private static final Pattern YAML_INDENTED_LIST = Pattern.compile("(?m)^( *)[^\\s#-][^\\n]*:\\n\\1  - ");
    private static final Pattern YAML_FLUSH_LIST = Pattern.compile("(?m)^( *)[^\\s#-][^\\n]*:\\n\\1- ");

    private DashboardFile() {}

    /**
     * The new bytes of the file.
     *
     * @param existing the file's current bytes; empty for a new file (classic JSON, 2 spaces, final newline)
     * @param format the file's format (for a new file: {@link SourceFormat#classic})
     * @param uid the dashboard uid ({@code metadata.name} of a resource)
     * @param saved the dashboard as the backend returns it
     */
    static byte[] render(Optional<byte[]> existing, SourceFormat format, String uid, ObjectNode saved)
            throws IOException {
        ObjectNode dashboard = saved.deepCopy();
        CanonicalJson.INSTANCE_FIELDS.forEach(dashboard::remove);
        dashboard.put("uid", uid);
        String text = existing.map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
        boolean yaml = format.encoding() == SourceFormat.Encoding.YAML;
        JsonNode old = text.isBlank() ? null : (yaml ? YAML_READER : JSON).readTree(text);
        ObjectNode tree;
        if (format.kind() == SourceFormat.Kind.RESOURCE) {
            tree = old instanceof ObjectNode o ? o.deepCopy() : JsonNodeFactory.instance.objectNode();
            if (!tree.has("apiVersion")) {
                tree.put("apiVersion", format.apiVersion());
                tree.put("kind", "Dashboard");
            }
            ObjectNode metadata = tree.path("metadata") instanceof ObjectNode m ? m : tree.putObject("metadata");
            metadata.put("name", uid);
            JsonNode oldSpec = tree.path("spec");
            if (!oldSpec.has("uid")) {
                dashboard.remove("uid");
            }
            tree.set("spec", merge(oldSpec, dashboard));
        } else {
            tree = (ObjectNode) merge(old, dashboard);
        }
        String out = yaml ? yaml(text, tree) : json(text, tree);
        return out.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code updated}'s keys and values in {@code existing}'s key order; see the class comment. */
    static JsonNode merge(JsonNode existing, JsonNode updated) {
        if (existing instanceof ObjectNode e && updated instanceof ObjectNode u) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Iterator<String> it = e.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (u.has(name)) {
                    out.set(name, merge(e.get(name), u.get(name)));
                }
            }
            u.fields().forEachRemaining(f -> {
                if (!out.has(f.getKey())) {
                    out.set(f.getKey(), f.getValue().deepCopy());
                }
            });
            return out;
        }
        if (existing instanceof ArrayNode e && updated instanceof ArrayNode u) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < u.size(); i++) {
                out.add(i < e.size() ? merge(e.get(i), u.get(i)) : u.get(i).deepCopy());
            }
            return out;
        }
        if (existing != null && existing.isNumber() && updated.isNumber()
                && existing.decimalValue().compareTo(updated.decimalValue()) == 0) {
            return existing.deepCopy();
        }
        return updated.deepCopy();
    }

    /** A folder's {@code _folder.json}: {@code pin} merged into the existing file, if any, in its JSON style. */
    static byte[] renderFolder(Optional<byte[]> existing, ObjectNode pin) throws IOException {
        String text = existing.map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
        JsonNode old = text.isBlank() ? null : JSON.readTree(text);
        return json(text, (ObjectNode) merge(old, pin)).getBytes(StandardCharsets.UTF_8);
    }

    private static String json(String old, ObjectNode tree) throws JsonProcessingException {
        Matcher m = JSON_INDENT.matcher(old);
        String indent = m.find() ? m.group(1) : "  ";
        DefaultIndenter indenter = new DefaultIndenter(indent, "\n");
        Separators separators = Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("").withArrayEmptySeparator("");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter().withSeparators(separators);
        printer.indentObjectsWith(indenter);
        printer.indentArraysWith(indenter);
        String out = JSON.writer(printer).writeValueAsString(tree);
        return old.isEmpty() || old.endsWith("\n") ? out + "\n" : out;
    }

    private static String yaml(String old, ObjectNode tree) throws JsonProcessingException {
        boolean indentedLists = YAML_INDENTED_LIST.matcher(old).find() || !YAML_FLUSH_LIST.matcher(old).find();
        YAMLFactory factory = YAMLFactory.builder()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .configure(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR, indentedLists)
                .configure(YAMLGenerator.Feature.INDENT_ARRAYS, indentedLists)
                .build();
        String body = new ObjectMapper(factory).writeValueAsString(tree);
        StringBuilder out = new StringBuilder();
        for (String line : old.split("\n", -1)) {
            if (!line.startsWith("#")) {
                break;
            }
            out.append(line).append('\n');
        }
        String rest = old.substring(out.length());
        if (rest.startsWith("---")) {
            out.append("---\n");
        }
        return out.append(body).toString();
    }

    /** Grafana-style slug of a title: lower case, runs of anything but a-z 0-9 become one {@code -}. */
    static String slug(String title, String fallback) {
        String s = title.strip().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-+|-+$", "");
        if (s.length() > 50) {
            s = s.substring(0, 50).replaceAll("-+$", "");
        }
        return s.isEmpty() ? fallback : s;
    }
}
