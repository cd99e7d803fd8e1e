package io.grafanaha.sync.actual;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where {@link AppliedBlobs} keeps, across restarts, which Git blob each backend held for each dashboard
 * ({@code <data-dir>/state/applied-blobs.json}: backend → uid → blob). Without it a dashboard missing from a backend
 * after a restart looks never received and is created again, undoing a delete made there. A write goes to a forced
 * temporary file moved over the old one, so a crash leaves the old or the new map, never half of one.
 */
public final class AppliedBlobsFile {
    private static final Logger LOG = LoggerFactory.getLogger(AppliedBlobsFile.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path file;

    /** @param dataDir {@code sync.data-dir}; the file is {@code <dataDir>/state/applied-blobs.json} */
    public AppliedBlobsFile(Path dataDir) {
        this.file = dataDir.resolve("state").resolve("applied-blobs.json");
    }

    Path file() {
        return file;
    }

    /** Backend → uid → blob; empty when the file is absent or unreadable (logged, naming the file). */
    Map<String, Map<String, ObjectId>> load() {
        Map<String, Map<String, ObjectId>> loaded = new HashMap<>();
        if (!Files.isRegularFile(file)) {
            return loaded;
        }
        try {
            JsonNode json = MAPPER.readTree(Files.readAllBytes(file));
            for (Iterator<Map.Entry<String, JsonNode>> b = json.fields(); b.hasNext(); ) {
                Map.Entry<String, JsonNode> backend = b.next();
                Map<String, ObjectId> blobs = loaded.computeIfAbsent(backend.getKey(), k -> new HashMap<>());
                for (Iterator<Map.Entry<String, JsonNode>> u = backend.getValue().fields(); u.hasNext(); ) {
                    Map.Entry<String, JsonNode> uid = u.next();
                    blobs.put(uid.getKey(), ObjectId.fromString(uid.getValue().asText()));
                }
            }
            return loaded;
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: unreadable, ignored (dashboards missing from a backend are created again): {}", file,
                    e.toString());
            return new HashMap<>();
        }
    }

    /** Replaces the file with {@code blobs} (backend → uid → blob), forced to disk. */
    void save(Map<String, Map<String, ObjectId>> blobs) throws IOException {
        Files.createDirectories(file.getParent());
        ObjectNode json = MAPPER.createObjectNode();
        new TreeMap<>(blobs).forEach((backend, byUid) -> {
            ObjectNode node = json.putObject(backend);
            new TreeMap<>(byUid).forEach((uid, blob) -> node.put(uid, blob.name()));
        });
        Path temp = Files.createTempFile(file.getParent(), "applied-blobs.", ".tmp");
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(MAPPER.writeValueAsBytes(json));
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                out.force(false);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
