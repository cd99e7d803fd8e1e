package io.grafanaha.sync.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.grafanaha.sync.desired.DesiredFolder;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.Placeholders;
import io.grafanaha.sync.desired.ResourceFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the {@code alerting/} files: Grafana's alerting file-provisioning format, as the export endpoints write it
 * ({@code apiVersion: 1}, {@code groups}, {@code contactPoints}, {@code policies}, {@code templates},
 * {@code muteTimes}, and the {@code delete*} lists), in YAML or JSON.
 *
 * <p>A group names its folder by {@code folderUid} (one of the sync's managed folder uids), or by {@code folder}: a
 * managed folder's title path as exports write it ({@code grafana-manifests/team-a}), its directory under
 * {@code sync.path}, or a title no other managed folder has. Rules need a {@code uid}: it is their identity on every
 * instance. Contact point settings may hold {@code ${VAR}}; a missing variable skips that contact point with an error
 * naming the file and the variable. Any unusable file or entry is skipped with an error naming it; the rest is used.
 */
public final class ReadAlerting {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final String DIRECTORY = "alerting";

    private final DesiredState dashboards;
    private final Map<String, String> env;
    private final Map<String, Optional<String>> folderByName = new HashMap<>();
    private final List<DesiredAlerting.Group> groups = new ArrayList<>();
    private final Map<String, DesiredAlerting.Item> contactPoints = new LinkedHashMap<>();
    private final Map<String, DesiredAlerting.Item> templates = new LinkedHashMap<>();
    private final Map<String, DesiredAlerting.Item> muteTimings = new LinkedHashMap<>();
    private final List<DesiredAlerting.Item> policies = new ArrayList<>();
    private final Set<String> protectedGroups = new HashSet<>();
    private final Set<String> deleteRules = new TreeSet<>();
    private final Set<String> deleteContactPoints = new TreeSet<>();
    private final Set<String> deleteTemplates = new TreeSet<>();
    private final Set<String> deleteMuteTimes = new TreeSet<>();
    private final List<String> errors = new ArrayList<>();
    private boolean holdRuleDeletes;
    /** Whether a contact point whose variables are not set is still read (their values left empty). */
    private final boolean withoutSecrets;

    public ReadAlerting(DesiredState dashboards, Map<String, String> env) {
        this(dashboards, env, false);
    }

    private ReadAlerting(DesiredState dashboards, Map<String, String> env, boolean withoutSecrets) {
        this.dashboards = dashboards;
        this.env = env;
        this.withoutSecrets = withoutSecrets;
        Map<String, DesiredFolder> byUid = dashboards.foldersByUid();
        for (DesiredFolder f : dashboards.folders()) {
            folderByName.put("dir:" + f.directory(), Optional.of(f.uid()));
            folderByName.merge("title:" + f.title(), Optional.of(f.uid()), (a, b) -> Optional.empty());
            folderByName.merge("path:" + titlePath(f, byUid), Optional.of(f.uid()), (a, b) -> Optional.empty());
        }
    }

    /**
     * A reader for the write-back, which compares contact points by their {@link DesiredAlerting.Item#known()} form
     * only: no environment, and a contact point naming variables is read all the same.
     */
    public static ReadAlerting withoutSecrets(DesiredState dashboards) {
        return new ReadAlerting(dashboards, Map.of(), true);
    }

    /** The {@code alerting/} directory name under {@code sync.path}. */
    public static String directory() {
        return DIRECTORY;
    }

    public DesiredAlerting read(List<ResourceFiles.File> files) {
        for (ResourceFiles.File file : files) {
            if (!file.readable()) {
                error(file.path(), file.problem());
                holdRuleDeletes = true;
                continue;
            }
            JsonNode root;
            try {
                root = (file.path().endsWith(".json") ? JSON : YAML).readTree(file.bytes());
            } catch (IOException e) {
                error(file.path(), "not valid " + (file.path().endsWith(".json") ? "JSON" : "YAML") + ": "
                        + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage()
                        : e.getMessage()));
                holdRuleDeletes = true;
                continue;
            }
            if (root == null || !root.isObject() || root.path("apiVersion").asInt(0) != 1) {
                error(file.path(), "not an alerting provisioning file (apiVersion: 1 expected)");
                holdRuleDeletes = true;
                continue;
            }
            root.path("groups").forEach(g -> group(file.path(), g));
            root.path("contactPoints").forEach(c -> contactPoint(file.path(), c));
            root.path("policies").forEach(p -> policies.add(new DesiredAlerting.Item("policies",
                    withoutOrg(p), file.path(), "")));
            root.path("templates").forEach(t -> named(file.path(), t, "template", templates,
                    JSON.createObjectNode().put("template", t.path("template").asText(""))));
            root.path("muteTimes").forEach(m -> named(file.path(), m, "mute timing", muteTimings, withoutOrg(m)));
            root.path("deleteRules").forEach(d -> deleteRules.add(d.path("uid").asText()));
            root.path("deleteContactPoints").forEach(d -> deleteContactPoints.add(d.path("uid").asText()));
            root.path("deleteTemplates").forEach(d -> deleteTemplates.add(d.path("name").asText()));
            root.path("deleteMuteTimes").forEach(d -> deleteMuteTimes.add(d.path("name").asText()));
        }
        Optional<DesiredAlerting.Item> policy = Optional.empty();
        if (policies.size() > 1) {
            error(policies.get(1).path(), "a second notification policy tree (the first is in "
                    + policies.get(0).path() + "); neither is applied");
        } else if (policies.size() == 1) {
            policy = Optional.of(policies.get(0));
        }
        return new DesiredAlerting(dedupeGroups(), List.copyOf(contactPoints.values()), policy,
                List.copyOf(templates.values()), List.copyOf(muteTimings.values()),
                new DesiredAlerting.Deletes(deleteRules, deleteContactPoints, deleteTemplates, deleteMuteTimes),
                protectedGroups, holdRuleDeletes, errors);
    }

    private void group(String path, JsonNode g) {
        String name = g.path("name").asText("");
        Optional<String> folderUid = folderOf(g);
        if (folderUid.isEmpty()) {
            error(path, "group '" + name + "': folder " + (g.hasNonNull("folderUid") ? "uid '"
                    + g.path("folderUid").asText() + "'" : "'" + g.path("folder").asText() + "'")
                    + " is not a folder the sync manages (use a managed folder's uid, title path or directory)");
            holdRuleDeletes = true;
            return;
        }
        String key = DesiredAlerting.Group.key(folderUid.get(), name);
        if (name.isBlank()) {
            error(path, "a group without a name");
            holdRuleDeletes = true;
            return;
        }
        long interval = Durations.seconds(g.path("interval").asText("1m"));
        if (interval <= 0) {
            error(path, "group '" + name + "': interval '" + g.path("interval").asText() + "' is not a duration");
            protectedGroups.add(key);
            return;
        }
        ArrayNode rules = JSON.createArrayNode();
        for (JsonNode r : g.path("rules")) {
            if (r.path("uid").asText("").isEmpty()) {
                error(path, "group '" + name + "': rule '" + r.path("title").asText() + "' has no uid (every "
                        + "instance must give it the same one)");
                protectedGroups.add(key);
                return;
            }
            rules.add(AlertRuleShape.fromExport(r, folderUid.get(), name));
        }
        ObjectNode body = JSON.createObjectNode().put("title", name).put("folderUid", folderUid.get())
                .put("interval", interval);
        body.set("rules", rules);
        groups.add(new DesiredAlerting.Group(folderUid.get(), name, body, path));
    }

    /** Two files describing one group, or one rule uid in two groups: all of them skipped, the groups protected. */
    private List<DesiredAlerting.Group> dedupeGroups() {
        Map<String, List<DesiredAlerting.Group>> byKey = new LinkedHashMap<>();
        Map<String, List<DesiredAlerting.Group>> byRule = new HashMap<>();
        for (DesiredAlerting.Group g : groups) {
            byKey.computeIfAbsent(g.key(), k -> new ArrayList<>()).add(g);
            g.body().path("rules").forEach(r -> byRule.computeIfAbsent(r.path("uid").asText(),
                    k -> new ArrayList<>()).add(g));
        }
        Set<String> bad = new HashSet<>();
        byKey.forEach((k, gs) -> {
            if (gs.size() > 1) {
                gs.forEach(g -> error(g.path(), "group '" + g.name() + "' is also described in another file; "
                        + "neither is applied"));
                bad.add(k);
            }
        });
        byRule.forEach((uid, gs) -> {
            if (gs.size() > 1) {
                gs.forEach(g -> error(g.path(), "rule uid '" + uid + "' is used more than once; its groups are "
                        + "not applied"));
                gs.forEach(g -> bad.add(g.key()));
            }
        });
        protectedGroups.addAll(bad);
        return groups.stream().filter(g -> !bad.contains(g.key()) && !protectedGroups.contains(g.key())).toList();
    }

    private void contactPoint(String path, JsonNode c) {
        String name = c.path("name").asText("");
        for (JsonNode r : c.path("receivers")) {
            String uid = r.path("uid").asText("");
            if (name.isBlank() || uid.isEmpty()) {
                error(path, "contact point '" + name + "': every receiver needs a name and a uid");
                continue;
            }
            Set<String> missing = new TreeSet<>();
            JsonNode settings = Placeholders.fill(r.path("settings").isObject() ? r.path("settings")
                    : JSON.createObjectNode(), env, missing);
            if (!missing.isEmpty() && !withoutSecrets) {
                error(path, "contact point '" + name + "' (uid " + uid + "): environment variable "
                        + String.join(", ", missing) + " is not set; the contact point is not applied");
                continue;
            }
            ObjectNode body = JSON.createObjectNode().put("uid", uid).put("name", name)
                    .put("type", r.path("type").asText("")).put("disableResolveMessage",
                            r.path("disableResolveMessage").asBoolean(false));
            body.set("settings", settings);
            String secret = Placeholders.present(r.path("settings")) ? Placeholders.digest(settings.toString()) : "";
            if (contactPoints.putIfAbsent(uid, new DesiredAlerting.Item(uid, body, path, secret,
                    known(body, r.path("settings")))) != null) {
                error(path, "contact point uid '" + uid + "' is also in " + contactPoints.get(uid).path()
                        + "; the first is applied");
            }
        }
    }

    /** {@code body} without its uid, each setting whose {@code raw} value names a variable shown as redacted. */
    private static ObjectNode known(ObjectNode body, JsonNode raw) {
        ObjectNode known = body.deepCopy();
        known.remove("uid");
        if (known.path("settings") instanceof ObjectNode settings) {
            raw.fields().forEachRemaining(e -> {
                if (Placeholders.present(e.getValue())) {
                    settings.put(e.getKey(), PlanAlerting.REDACTED);
                }
            });
        }
        return known;
    }

    private void named(String path, JsonNode node, String what, Map<String, DesiredAlerting.Item> into,
            ObjectNode body) {
        String name = node.path("name").asText("");
        if (name.isBlank()) {
            error(path, "a " + what + " without a name");
            return;
        }
        body.put("name", name);
        if (into.putIfAbsent(name, new DesiredAlerting.Item(name, body, path, "")) != null) {
            error(path, what + " '" + name + "' is also in " + into.get(name).path() + "; the first is applied");
        }
    }

    /** The managed folder an entry of a file names, by {@code folderUid} or {@code folder}. */
    Optional<String> folderOf(JsonNode g) {
        if (g.hasNonNull("folderUid")) {
            String uid = g.path("folderUid").asText();
            return dashboards.foldersByUid().containsKey(uid) ? Optional.of(uid) : Optional.empty();
        }
        String folder = g.path("folder").asText("");
        for (String kind : List.of("path:", "dir:", "title:")) {
            Optional<String> uid = folderByName.getOrDefault(kind + folder, Optional.empty());
            if (uid.isPresent()) {
                return uid;
            }
        }
        return Optional.empty();
    }

    private static String titlePath(DesiredFolder f, Map<String, DesiredFolder> byUid) {
        StringBuilder sb = new StringBuilder(f.title());
        Optional<String> parent = f.parentUid();
        for (int depth = 0; parent.isPresent() && byUid.containsKey(parent.get()) && depth < 64; depth++) {
            DesiredFolder p = byUid.get(parent.get());
            sb.insert(0, p.title() + "/");
            parent = p.parentUid();
        }
        return sb.toString();
    }

    private static ObjectNode withoutOrg(JsonNode node) {
        ObjectNode copy = node.isObject() ? ((ObjectNode) node).deepCopy() : JSON.createObjectNode();
        copy.remove("orgId");
        return copy;
    }

    private void error(String path, String problem) {
        errors.add(path + ": " + problem);
    }

}
