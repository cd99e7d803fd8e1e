package io.grafanaha.sync.writeback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-back's journal, {@code <data-dir>/journal/edits.jsonl}: one JSON object per line, appended and forced to
 * disk before {@link #append} returns.
 *
 * <pre>
 * {"op":"edit","id":7,"backend":"grafana-b","kind":"DASHBOARD_SAVED","uid":"cpu","user":"alice","at":"2026-..."}
 * {"op":"done","id":7}
 * </pre>
 *
 * An edit without a later {@code done} line is pending and replayed after a restart. A torn last line (a crash in
 * the middle of a write) is ignored: its edit had not been acknowledged. When nothing is pending the file is emptied
 * ({@link #compactIfIdle}). Thread-safe; every method is short.
 */
final class Journal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A pending edit with its journal id. */
    record Entry(long id, CapturedEdit edit) {}

    private final Path file;
    private final Map<Long, CapturedEdit> pending = new LinkedHashMap<>();
    private FileChannel channel;
    private long nextId = 1;

    /** Opens (creating) {@code <dataDir>/journal/edits.jsonl} and reads what is pending. */
    Journal(Path dataDir) throws IOException {
        Path dir = dataDir.resolve("journal");
        Files.createDirectories(dir);
        this.file = dir.resolve("edits.jsonl");
        if (Files.exists(file)) {
            load();
        }
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        if (channel.size() > 0) {
            byte[] all = Files.readAllBytes(file);
            if (all[all.length - 1] != '\n') {
                // A torn record from a crash: end it, so the next record starts on its own line.
                channel.write(ByteBuffer.wrap(new byte[] {'\n'}));
                channel.force(false);
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
                } else {
                    String user = n.path("user").asText("");
                    pending.put(id, new CapturedEdit(n.path("backend").asText(),
                            CapturedEdit.Kind.valueOf(n.path("kind").asText()), n.path("uid").asText(),
                            user.isEmpty() ? Optional.empty() : Optional.of(user),
                            Instant.parse(n.path("at").asText())));
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("{} line {}: unreadable journal record skipped ({})", file, lineNo, e.toString());
            }
        }
    }

    /** Edits not yet done, oldest first. */
    synchronized List<Entry> pending() {
        List<Entry> out = new ArrayList<>();
        pending.forEach((id, e) -> out.add(new Entry(id, e)));
        return out;
    }

    synchronized int backlog() {
        return pending.size();
    }

    /** Writes the edit and forces it to disk; returns its entry. */
    synchronized Entry append(CapturedEdit edit) throws IOException {
        long id = nextId++;
        ObjectNode n = MAPPER.createObjectNode().put("op", "edit").put("id", id).put("backend", edit.backend())
                .put("kind", edit.kind().name()).put("uid", edit.uid());
        edit.user().ifPresent(u -> n.put("user", u));
        n.put("at", edit.at().toString());
        write(n);
        pending.put(id, edit);
        return new Entry(id, edit);
    }

    /** Marks an edit done (forced to disk). */
    synchronized void done(long id) throws IOException {
        if (pending.remove(id) != null) {
            write(MAPPER.createObjectNode().put("op", "done").put("id", id));
        }
    }

    /** Empties the file when no edit is pending, so it never grows without bound. */
    synchronized void compactIfIdle() throws IOException {
        if (pending.isEmpty() && channel.size() > 0) {
            channel.truncate(0);
            channel.force(true);
        }
    }

    private void write(ObjectNode record) throws IOException {
        byte[] line = (MAPPER.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.wrap(line);
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
        channel.force(false);
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
