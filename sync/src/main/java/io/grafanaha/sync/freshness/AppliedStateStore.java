package io.grafanaha.sync.freshness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes {@link AppliedState} files under {@code <data-dir>/state/}. A write goes to a temporary file that
 * is then moved over the old one atomically, so a crash leaves either the old or the new state, never half of one.
 */
public final class AppliedStateStore {
    private static final Logger LOG = LoggerFactory.getLogger(AppliedStateStore.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final Path directory;

    /** @param dataDir {@code sync.data-dir}; files go to {@code <dataDir>/state} */
    public AppliedStateStore(Path dataDir) {
        this.directory = dataDir.resolve("state");
    }

    /** The file of one backend. */
    public Path file(String backend) {
        return directory.resolve(fileName(backend) + ".json");
    }

    /** The persisted state; empty when absent or unreadable (logged, naming the file). */
    public Optional<AppliedState> load(String backend) {
        Path file = file(backend);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode json = MAPPER.readTree(Files.readAllBytes(file));
            String commit = json.path("appliedCommit").asText("");
            if (!COMMIT.matcher(commit).matches()) {
                LOG.warn("{}: appliedCommit '{}' is not a 40-hex commit id; ignored", file, commit);
                return Optional.empty();
            }
            Instant lastSync = Instant.parse(json.path("lastSync").asText());
            return Optional.of(new AppliedState(backend, commit, lastSync));
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: unreadable applied state, ignored: {}", file, e.toString());
            return Optional.empty();
        }
    }

    /** Writes the state atomically. */
    public void save(AppliedState state) throws IOException {
        Files.createDirectories(directory);
        ObjectNode json = MAPPER.createObjectNode()
                .put("backend", state.backend())
                .put("appliedCommit", state.appliedCommit())
                .put("lastSync", state.lastSync().toString());
        Path target = file(state.backend());
        Path temp = Files.createTempFile(directory, fileName(state.backend()) + ".", ".tmp");
        try {
            Files.write(temp, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json)
                    .getBytes(StandardCharsets.UTF_8));
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Backend names come from configuration; keep them from escaping the directory. */
    private static String fileName(String backend) {
        return backend.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
