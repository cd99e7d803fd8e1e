package io.grafanaha.sync.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which content of each rule group each backend was last known to hold from Git: the group a pass applied there (or
 * found there matching Git), or the one the write-back committed from there. A backend's group that differs from this
 * entry was changed there by someone else: a user's edit. Entries are group bodies in the shape
 * {@code PUT .../rule-groups/:group} takes ({@link DesiredAlerting.Group#body()}), compared as the sync compares a
 * backend with Git, so the defaults Grafana adds on save never look like an edit.
 *
 * <p>The same for message templates and mute timings (by name), contact points (by uid; settings filled from the
 * environment kept as {@code [REDACTED]}, so no secret is written here) and the policy tree. Kept across restarts in
 * {@code <data-dir>/state/alerting-applied.json} ({@code groups}: backend → {@code folderUid/group} → body;
 * {@code items}: backend → {@code template:<name>}, {@code mute-timing:<name>}, {@code contact-point:<uid>} or
 * {@code policies:policies} → body),
 * written to a temporary file moved over the old one, so that an edit made while the gateway was down is still told
 * from a group that Git changed meanwhile. Thread-safe: passes write it on their backend threads, the write-back's
 * poller on its own.
 */
public final class AlertingLedger {
    private static final Logger LOG = LoggerFactory.getLogger(AlertingLedger.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Optional<Path> file;
    private final Map<String, Map<String, ObjectNode>> applied = new ConcurrentHashMap<>();
    /** backend → {@code <kind>:<name>} → body, for templates, mute timings, contact points and the policy tree. */
    private final Map<String, Map<String, ObjectNode>> items = new ConcurrentHashMap<>();
    private volatile boolean dirty;
    private volatile boolean watched;

    /** @param dataDir {@code sync.data-dir}; empty: kept in memory only */
    public AlertingLedger(Optional<Path> dataDir) {
        this.file = dataDir.map(d -> d.resolve("state").resolve("alerting-applied.json"));
        file.ifPresent(this::load);
    }

    /**
     * Whether a write-back polls the backends for alerting edits: only then does a pass leave a group edited on a
     * backend alone (otherwise nobody would ever write it back and it would be held forever).
     */
    public boolean watched() {
        return watched;
    }

    /** Set by the write-back when its polling starts and stops. */
    public void watched(boolean value) {
        watched = value;
    }

    /** The group body {@code backend} last held from Git for {@code key} ({@code folderUid/group}). */
    public Optional<ObjectNode> applied(String backend, String key) {
        return Optional.ofNullable(applied.getOrDefault(backend, Map.of()).get(key));
    }

    /** {@code folderUid/group} → body, for every group {@code backend} is known to hold from Git. */
    public Map<String, ObjectNode> applied(String backend) {
        return Map.copyOf(applied.getOrDefault(backend, Map.of()));
    }

    /** {@code backend} now holds {@code body} for {@code key}, as Git has it (or had it). */
    public void record(String backend, String key, ObjectNode body) {
        ObjectNode before = applied.computeIfAbsent(backend, k -> new ConcurrentHashMap<>()).put(key, body);
        dirty |= before == null || !before.equals(body);
    }

    /** {@code backend} no longer holds {@code key} from Git (deleted there by the sync, or written back as deleted). */
    public void forget(String backend, String key) {
        dirty |= applied.getOrDefault(backend, Map.of()).remove(key) != null;
    }

    /**
     * The body of an item ({@code kind}: {@code template}, {@code mute-timing}, {@code contact-point},
     * {@code policies}) last held from Git.
     */
    public Optional<ObjectNode> appliedItem(String backend, String kind, String name) {
        return Optional.ofNullable(items.getOrDefault(backend, Map.of()).get(kind + ":" + name));
    }

    /** {@code backend} now holds {@code body} for that item, as Git has it (or had it). */
    public void recordItem(String backend, String kind, String name, ObjectNode body) {
        ObjectNode before = items.computeIfAbsent(backend, k -> new ConcurrentHashMap<>()).put(kind + ":" + name, body);
        dirty |= before == null || !before.equals(body);
    }

    /** {@code backend} no longer holds that item from Git. */
    public void forgetItem(String backend, String kind, String name) {
        dirty |= items.getOrDefault(backend, Map.of()).remove(kind + ":" + name) != null;
    }

    /** Writes the file when something changed since it was last written; failures are logged, not thrown. */
    public synchronized void persist() {
        if (!dirty || file.isEmpty()) {
            return;
        }
        dirty = false;
        Path target = file.get();
        ObjectNode root = MAPPER.createObjectNode();
        applied.forEach((backend, groups) -> groups.forEach(root.with("groups").with(backend)::set));
        items.forEach((backend, named) -> named.forEach(root.with("items").with(backend)::set));
        try {
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.write(tmp, MAPPER.writeValueAsBytes(root));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            dirty = true;
            LOG.warn("cannot write {}: {}; alerting edits made while the gateway is down may be overwritten after a "
                    + "restart", target, e.toString());
        }
    }

    private static void load(JsonNode byBackend, Map<String, Map<String, ObjectNode>> into) {
        for (Iterator<Map.Entry<String, JsonNode>> b = byBackend.fields(); b.hasNext(); ) {
            Map.Entry<String, JsonNode> backend = b.next();
            for (Iterator<Map.Entry<String, JsonNode>> g = backend.getValue().fields(); g.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = g.next();
                if (entry.getValue() instanceof ObjectNode body) {
                    into.computeIfAbsent(backend.getKey(), k -> new ConcurrentHashMap<>()).put(entry.getKey(), body);
                }
            }
        }
    }

    private void load(Path path) {
        if (!Files.isRegularFile(path)) {
            return;
        }
        try {
            JsonNode root = MAPPER.readTree(Files.readAllBytes(path));
            load(root.path("groups"), applied);
            load(root.path("items"), items);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read {} ({}); alerting edits made on a backend before this start cannot be told from "
                    + "Git's changes and are overwritten by the next pass", path, e.toString());
        }
    }
}
