package io.grafanaha.sync.writeback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-back's journal, {@code <data-dir>/journal/edits.jsonl}: one JSON object per line, appended and forced to
 * disk before {@link #append} returns. A dashboard save relayed by the gateway carries what it saved ({@code body},
 * see {@link EditBody}) and the blob the backend held before it ({@code base}), so it can be committed after a
 * restart even when the backend lost it.
 *
 * <pre>
 * {"op":"edit","id":7,"backend":"grafana-b","kind":"DASHBOARD_SAVED","uid":"cpu","user":"alice","at":"2026-...",
 *  "base":"3b18e5...","body":{"dashboard":{...},"folderUid":"team","version":4}}
 * {"op":"done","id":7}
 * {"op":"edit","v":2,"id":8,"backend":"grafana-a","kind":"LIBRARY_PANEL_SAVED","uid":"lib-cpu","at":"2026-...",
 *  "base":"9c02d1...","panel":{"panel":{"uid":"lib-cpu","name":..,"folderUid":..,"model":{...},"version":3},"from":2}}
 * </pre>
 *
 * <p><b>Format versions.</b> A record without {@code "v"} is format 1 (dashboards and folders, all a journal written
 * before library panels were journaled holds, so such a journal replays unchanged); the library panel kinds, which
 * format 1 did not have, are written as format 2 ({@code "v":2}, the edit in {@code panel}, see
 * {@link LibraryPanelEdit}). A record of a format newer than {@value #FORMAT} (a journal left by a newer gateway) is
 * skipped with a warning rather than misread.
 *
 * An edit without a later {@code done} line is pending and replayed after a restart, in id order. A torn last line (a
 * crash in the middle of a write) is ignored: its edit had not been acknowledged. When nothing is pending the file is
 * emptied ({@link #compactIfIdle}).
 *
 * <p>An edit whose record cannot be written (disk full, read-only) is still pending, in memory only
 * ({@link #unwritten}): it is held and committed like any other, and {@link #writeUnwritten} tries its record again.
 * Thread-safe; every method is short.
 */
final class Journal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** The newest record format this journal reads and writes. */
    static final int FORMAT = 2;

    /** A pending edit with its journal id and the blob its backend held before it, when known. */
    record Entry(long id, CapturedEdit edit, Optional<ObjectId> base) {}

    private record Held(Entry entry, boolean onDisk) {}

    private final Path file;
    private final Map<Long, Held> pending = new TreeMap<>();
    /**
     * The pending edits again, readable without the lock: {@link #append} holds it through a force, and
     * {@link #savedElsewhere} is asked on event loops, which must not wait for a disk.
     */
    private final Map<Long, CapturedEdit> unlocked = new ConcurrentHashMap<>();
    private final JournalFile out;
    private long nextId = 1;
    /** A write failed part-way: the file may end in a torn record, which the next record must not continue. */
    private boolean torn;

    /** Opens (creating) {@code <dataDir>/journal/edits.jsonl} and reads what is pending. */
    Journal(Path dataDir) throws IOException {
        this(dataDir, JournalFile::open);
    }

    Journal(Path dataDir, JournalFile.Opener opener) throws IOException {
        Path dir = dataDir.resolve("journal");
        Files.createDirectories(dir);
        this.file = dir.resolve("edits.jsonl");
        if (Files.exists(file)) {
            load();
        }
        out = opener.open(file);
        if (out.size() > 0) {
            byte[] all = Files.readAllBytes(file);
            if (all.length > 0 && all[all.length - 1] != '\n') {
                // A torn record from a crash: end it, so the next record starts on its own line.
                out.append(new byte[] {'\n'});
                out.force();
            }
        }
    }

    Path file() {
        return file;
    }

    private void load() throws IOException {
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode n = MAPPER.readTree(line);
                long id = n.path("id").asLong();
                nextId = Math.max(nextId, id + 1);
                if ("done".equals(n.path("op").asText())) {
                    pending.remove(id);
                    unlocked.remove(id);
                } else if (n.path("v").asInt(1) > FORMAT) {
                    LOG.warn("{} line {}: journal record of format {} (newer than {}) skipped: {} of {}", file,
                            lineNo, n.path("v").asInt(), FORMAT, n.path("kind").asText(), n.path("uid").asText());
                } else {
                    String user = n.path("user").asText("");
                    CapturedEdit edit = new CapturedEdit(n.path("backend").asText(),
                            CapturedEdit.Kind.valueOf(n.path("kind").asText()), n.path("uid").asText(),
                            user.isEmpty() ? Optional.empty() : Optional.of(user),
                            Instant.parse(n.path("at").asText()), EditBody.fromJson(n.get("body")),
                            LibraryPanelEdit.fromJson(n.get("panel")));
                    Optional<ObjectId> base = n.path("base").isTextual()
                            ? Optional.of(ObjectId.fromString(n.path("base").asText())) : Optional.empty();
                    pending.put(id, new Held(new Entry(id, edit, base), true));
                    unlocked.put(id, edit);
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("{} line {}: unreadable journal record skipped ({})", file, lineNo, e.toString());
            }
        }
    }

    /** Edits not yet done, oldest first. */
    synchronized List<Entry> pending() {
        List<Entry> list = new ArrayList<>();
        pending.values().forEach(h -> list.add(h.entry()));
        return list;
    }

    /**
     * Whether a save of dashboard {@code uid} acknowledged on a backend other than {@code backend}, with what it saved
     * ({@link CapturedEdit#body()}), is pending: an edit Git does not hold yet but will, since the write-back commits it
     * without asking its backend, so {@code backend} cannot hold it yet either. Without the lock; never blocks.
     */
    boolean savedElsewhere(String uid, String backend) {
        return savedElsewhere(uid, backend, 0);
    }

    /**
     * Whether a save of {@code uid} acknowledged on a backend other than {@code backend}, with what it saved, and
     * journaled after the entry {@code caughtUpTo} (which {@code backend} has been brought up to, see {@link CatchUp};
     * 0 for none), is pending. Without the lock; never blocks.
     */
    boolean savedElsewhere(String uid, String backend, long caughtUpTo) {
        return unlocked.entrySet().stream().anyMatch(e -> e.getKey() > caughtUpTo
                && e.getValue().kind() == CapturedEdit.Kind.DASHBOARD_SAVED && e.getValue().body().isPresent()
                && e.getValue().uid().equals(uid) && !e.getValue().backend().equals(backend));
    }

    /**
     * The newest pending edit of {@code uid} made on a backend other than {@code backend}, with its journal id (its
     * base is not given). Without the lock; never blocks.
     */
    Optional<Entry> newestElsewhere(String uid, String backend) {
        return unlocked.entrySet().stream()
                .filter(e -> e.getValue().uid().equals(uid) && !e.getValue().backend().equals(backend))
                .max(Map.Entry.comparingByKey())
                .map(e -> new Entry(e.getKey(), e.getValue(), Optional.empty()));
    }

    /** Whether the edit with journal id {@code id} is pending. Without the lock; never blocks. */
    boolean isPending(long id) {
        return unlocked.containsKey(id);
    }

    /** Whether an edit of {@code uid} made on {@code backend} is pending. Without the lock; never blocks. */
    boolean pendingOn(String backend, String uid) {
        return unlocked.values().stream().anyMatch(e -> e.backend().equals(backend) && e.uid().equals(uid));
    }

    /** The journal id of {@code edit} while it is pending. Without the lock; never blocks. */
    Optional<Long> idOf(CapturedEdit edit) {
        return unlocked.entrySet().stream().filter(e -> e.getValue().equals(edit)).map(Map.Entry::getKey).findFirst();
    }

    synchronized int backlog() {
        return pending.size();
    }

    /** Pending edits whose record is not on disk (they are lost by a crash). */
    synchronized int unwritten() {
        return (int) pending.values().stream().filter(h -> !h.onDisk()).count();
    }

    /**
     * Adds the edits, in order, and writes their records with one force. When that fails they stay pending in memory
     * and the exception is thrown: the caller must not tell anyone they are safe.
     */
    synchronized List<Entry> append(List<CapturedEdit> edits, List<Optional<ObjectId>> bases) throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < edits.size(); i++) {
            Entry e = new Entry(nextId++, edits.get(i), bases.get(i));
            entries.add(e);
            pending.put(e.id(), new Held(e, false));
            unlocked.put(e.id(), e.edit());
        }
        write(entries);
        return entries;
    }

    /** Writes the records of pending edits not on disk yet. */
    synchronized void writeUnwritten() throws IOException {
        write(pending.values().stream().filter(h -> !h.onDisk()).map(Held::entry).toList());
    }

    private void write(List<Entry> entries) throws IOException {
        if (entries.isEmpty()) {
            return;
        }
        StringBuilder lines = new StringBuilder(torn ? "\n" : "");
        for (Entry e : entries) {
            lines.append(MAPPER.writeValueAsString(record(e))).append('\n');
        }
        torn = true;
        out.append(lines.toString().getBytes(StandardCharsets.UTF_8));
        torn = false;
        out.force();
        for (Entry e : entries) {
            pending.computeIfPresent(e.id(), (id, h) -> new Held(h.entry(), true));
        }
    }

    private static ObjectNode record(Entry entry) {
        CapturedEdit edit = entry.edit();
        ObjectNode n = MAPPER.createObjectNode().put("op", "edit");
        if (edit.isLibraryPanel()) {
            n.put("v", FORMAT);
        }
        n.put("id", entry.id())
                .put("backend", edit.backend()).put("kind", edit.kind().name()).put("uid", edit.uid());
        edit.user().ifPresent(u -> n.put("user", u));
        n.put("at", edit.at().toString());
        entry.base().ifPresent(b -> n.put("base", b.name()));
        edit.body().ifPresent(b -> n.set("body", b.toJson()));
        edit.panel().ifPresent(p -> n.set("panel", p.toJson()));
        return n;
    }

    /**
     * Marks an edit done. Its {@code done} record is forced to disk when its edit record is there; when that write
     * fails the edit replays after a restart and finds Git already holding it, so it is only logged.
     */
    synchronized void done(long id) {
        Held held = pending.remove(id);
        unlocked.remove(id);
        if (held == null || !held.onDisk()) {
            return;
        }
        try {
            String line = (torn ? "\n" : "") + MAPPER.writeValueAsString(MAPPER.createObjectNode().put("op", "done")
                    .put("id", id)) + "\n";
            torn = true;
            out.append(line.getBytes(StandardCharsets.UTF_8));
            torn = false;
            out.force();
        } catch (IOException e) {
            LOG.warn("cannot mark edit {} done in {} ({}); it is replayed, harmlessly, after a restart", id, file,
                    e.toString());
        }
    }

    /** Empties the file when no edit is pending, so it never grows without bound. */
    synchronized void compactIfIdle() throws IOException {
        if (pending.isEmpty() && out.size() > 0) {
            out.truncate();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
