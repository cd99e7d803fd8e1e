package io.grafanaha.sync.alerting;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.grafanaha.sync.desired.DesiredState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Writes one rule group into an {@code alerting/} file in the format the sync reads ({@link ReadAlerting}): the group
 * as the backend's export gives it, replacing the file's entry for that group (or added to the file, or removed from
 * it), everything else in the file kept. A JSON file stays JSON (two-space indentation), any other YAML; a YAML file
 * keeps its leading comment block, but comments inside it are lost (Jackson does not keep them). An entry keeps how it
 * named its folder ({@code folder} or {@code folderUid}); a new one names it by {@code folderUid}, which no folder
 * title change can break. Templates, mute timings, contact points and the policy tree are written into their entries
 * the same way ({@link #withItem}).
 */
public final class RuleGroupFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build();

    private final ReadAlerting folders;

    /** @param dashboards the managed tree at the head the file is read from: entries' folders are resolved in it */
    public RuleGroupFile(DesiredState dashboards) {
        this.folders = new ReadAlerting(dashboards, Map.of());
    }

    /** Where a group Git does not have yet goes: {@code <sync.path>/alerting/<folder directory>-<group>.yaml}. */
    public static String newPath(String syncPath, String folderDirectory, String group) {
        String dir = (syncPath.isEmpty() ? "" : syncPath.endsWith("/") ? syncPath : syncPath + "/")
                + ReadAlerting.directory() + "/";
        String folder = slug(folderDirectory.replace('/', '-'));
        return dir + (folder.isEmpty() ? "" : folder + "-") + slug(group) + ".yaml";
    }

    /**
     * {@code existing} (empty: a new file) with the entry of group {@code folderUid/name} replaced by {@code export}
     * (a group of the export format), or {@code export} added when the file has no entry for it.
     */
    public byte[] withGroup(String path, Optional<byte[]> existing, String folderUid, ObjectNode export)
            throws IOException {
        ObjectNode root = existing.isPresent() ? parse(path, existing.get())
                : JSON.createObjectNode().put("apiVersion", 1);
        ArrayNode groups = root.withArray("groups");
        int at = indexOf(groups, folderUid, export.path("name").asText());
        ObjectNode entry = entry(at < 0 ? null : groups.get(at), folderUid, export);
        if (at < 0) {
            groups.add(entry);
        } else {
            groups.set(at, entry);
        }
        return render(path, existing, root);
    }

    /**
     * {@code existing} with an item's entry changed; the entry's other fields ({@code orgId}) are kept.
     *
     * <ul>
     *   <li>{@code templates}, {@code muteTimes}: the fields of {@code fields} set in the entry named {@code name};
     *   <li>{@code policies}: the file's (first) tree replaced by {@code fields};
     *   <li>{@code contactPoints}: the receiver whose uid is {@code name} replaced by {@code fields} (its
     *       {@code name} the contact point's), moved to the entry of that name when it was renamed (made after the
     *       old one if the file has none; the old one dropped once empty). A setting {@code [REDACTED]} keeps the
     *       receiver's value in the file.
     * </ul>
     */
    public byte[] withItem(String path, byte[] existing, String list, String name, ObjectNode fields)
            throws IOException {
        ObjectNode root = parse(path, existing);
        if (list.equals("contactPoints")) {
            withReceiver(root.withArray(list), name, fields);
        } else if (list.equals("policies")) {
            withTree(root.withArray(list), fields);
        } else {
            for (JsonNode entry : root.withArray(list)) {
                if (entry instanceof ObjectNode o && o.path("name").asText().equals(name)) {
                    o.setAll(fields);
                }
            }
        }
        return render(path, Optional.of(existing), root);
    }

    private static void withTree(ArrayNode trees, ObjectNode fields) {
        ObjectNode tree = JSON.createObjectNode();
        if (trees.isEmpty() || trees.get(0).has("orgId")) {
            tree.put("orgId", trees.path(0).path("orgId").asInt(1));
        }
        tree.setAll(fields);
        if (trees.isEmpty()) {
            trees.add(tree);
        } else {
            trees.set(0, tree);
        }
    }

    private static void withReceiver(ArrayNode entries, String uid, ObjectNode fields) {
        Taken taken = take(entries, uid);
        ObjectNode receiver = receiver(uid, fields, taken.receiver());
        String contactPoint = fields.path("name").asText();
        if (taken.entry() >= 0 && entries.get(taken.entry()).path("name").asText().equals(contactPoint)) {
            ((ArrayNode) entries.get(taken.entry()).path("receivers")).insert(taken.place(), receiver); // not renamed
            return;
        }
        for (JsonNode entry : entries) {
            if (entry.path("name").asText().equals(contactPoint) && entry instanceof ObjectNode o) {
                o.withArray("receivers").add(receiver);
                dropIfEmpty(entries, taken.entry());
                return;
            }
        }
        ObjectNode entry = JSON.createObjectNode();
        JsonNode old = taken.entry() < 0 ? null : entries.get(taken.entry());
        if (old == null || old.has("orgId")) {
            entry.put("orgId", old == null ? 1 : old.path("orgId").asInt(1));
        }
        entry.put("name", contactPoint).putArray("receivers").add(receiver);
        entries.insert(taken.entry() + 1, entry);
        dropIfEmpty(entries, taken.entry());
    }

    /**
     * A receiver taken out of its entry.
     *
     * @param entry the index of its contact point entry; -1 when no entry had it
     * @param place its index among that entry's receivers
     */
    private record Taken(int entry, int place, JsonNode receiver) {}

    private static Taken take(ArrayNode entries, String uid) {
        for (int i = 0; i < entries.size(); i++) {
            if (!(entries.get(i).path("receivers") instanceof ArrayNode receivers)) {
                continue;
            }
            for (int j = 0; j < receivers.size(); j++) {
                if (receivers.get(j).path("uid").asText().equals(uid)) {
                    return new Taken(i, j, receivers.remove(j));
                }
            }
        }
        return new Taken(-1, 0, JSON.createObjectNode());
    }

    /** The receiver entry for {@code fields}, a {@code [REDACTED]} setting given {@code old}'s value ({@code ${VAR}}). */
    private static ObjectNode receiver(String uid, ObjectNode fields, JsonNode old) {
        ObjectNode settings = fields.path("settings").deepCopy();
        JsonNode oldSettings = old.path("settings");
        settings.fields().forEachRemaining(e -> {
            if (PlanAlerting.REDACTED.equals(e.getValue().asText(null)) && oldSettings.has(e.getKey())) {
                e.setValue(oldSettings.get(e.getKey()).deepCopy());
            }
        });
        ObjectNode receiver = JSON.createObjectNode().put("uid", uid).put("type", fields.path("type").asText());
        receiver.set("settings", settings);
        receiver.set("disableResolveMessage", fields.path("disableResolveMessage").deepCopy());
        return receiver;
    }

    private static void dropIfEmpty(ArrayNode entries, int at) {
        if (at >= 0 && entries.get(at).path("receivers").isEmpty()) {
            entries.remove(at);
        }
    }

    /** {@code existing} without the entry of group {@code folderUid/name}; empty when nothing else is left in it. */
    public Optional<byte[]> withoutGroup(String path, byte[] existing, String folderUid, String name)
            throws IOException {
        ObjectNode root = parse(path, existing);
        ArrayNode groups = root.withArray("groups");
        int at = indexOf(groups, folderUid, name);
        if (at >= 0) {
            groups.remove(at);
        }
        if (groups.isEmpty()) {
            root.remove("groups");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("apiVersion") && !(e.getValue().isContainerNode() && e.getValue().isEmpty())) {
                return Optional.of(render(path, Optional.of(existing), root));
            }
        }
        return Optional.empty();
    }

    private int indexOf(ArrayNode groups, String folderUid, String name) {
        for (int i = 0; i < groups.size(); i++) {
            JsonNode g = groups.get(i);
            if (g.path("name").asText().equals(name) && folders.folderOf(g).filter(folderUid::equals).isPresent()) {
                return i;
            }
        }
        return -1;
    }

    /** The export's group, naming its folder as {@code old} did (or by uid), {@code orgId} kept only if it had one. */
    private static ObjectNode entry(JsonNode old, String folderUid, ObjectNode export) {
        ObjectNode entry = JSON.createObjectNode();
        if (old == null || old.has("orgId")) {
            entry.put("orgId", export.path("orgId").asInt(1));
        }
        entry.put("name", export.path("name").asText());
        if (old != null && !old.hasNonNull("folderUid") && old.hasNonNull("folder")) {
            entry.set("folder", old.get("folder"));
        } else {
            entry.put("folderUid", folderUid);
        }
        entry.set("interval", export.path("interval").deepCopy());
        entry.set("rules", export.path("rules").deepCopy());
        return entry;
    }

    private static ObjectNode parse(String path, byte[] bytes) throws IOException {
        JsonNode root = (json(path) ? JSON : YAML).readTree(bytes);
        if (!(root instanceof ObjectNode o)) {
            throw new IOException(path + " is not an alerting provisioning file");
        }
        return o;
    }

    private static byte[] render(String path, Optional<byte[]> existing, ObjectNode root) throws IOException {
        if (json(path)) {
            DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
            DefaultPrettyPrinter printer = new DefaultPrettyPrinter().withSeparators(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("").withArrayEmptySeparator(""));
            printer.indentObjectsWith(indenter);
            printer.indentArraysWith(indenter);
            return (JSON.writer(printer).writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        }
        return (leadingComments(existing) + YAML.writeValueAsString(root)).getBytes(StandardCharsets.UTF_8);
    }

    private static String leadingComments(Optional<byte[]> existing) {
        StringBuilder sb = new StringBuilder();
        for (String line : existing.map(b -> new String(b, StandardCharsets.UTF_8)).orElse("").split("\n", -1)) {
            if (!line.startsWith("#")) {
                break;
            }
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    private static boolean json(String path) {
        return path.endsWith(".json");
    }

    private static String slug(String s) {
        String slug = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        return slug.isEmpty() && !s.isEmpty() ? "group" : slug;
    }
}
