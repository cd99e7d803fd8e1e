package io.grafanaha.sync.library;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.FileError;
import io.grafanaha.sync.desired.FolderUids;
import io.grafanaha.sync.desired.ReadDesiredState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilter;

/**
 * Reads the library panels at one commit: every {@code *.json} under {@code library-panels/} in {@code sync.path},
 * each the object Grafana's {@code GET /api/library-elements/:uid} returns (bare or in its {@code result}), of
 * which {@code uid}, {@code name}, {@code model} and {@code folderUid} are used; the instance's own fields
 * ({@code id}, {@code orgId}, {@code folderId}, {@code version}, {@code meta}) are ignored.
 *
 * <p>A file that cannot be used is skipped with a {@link FileError} naming it, the rest still read: invalid JSON,
 * no or a bad uid, no name, no model object, a kind other than panel (1), a folder Git does not manage, a uid used
 * by another file too (all of them skipped, the uid protected), a file over the size limit. A skipped file whose uid
 * could not be read holds every library panel delete back, as a dashboard file does.
 */
public final class ReadLibraryPanels {
    /** The directory under {@code sync.path} that holds library panels, never dashboards. */
    public static final String DIRECTORY = ReadDesiredState.LIBRARY_PANELS;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Repository repository;

    public ReadLibraryPanels(Repository repository) {
        this.repository = Objects.requireNonNull(repository, "repository");
    }

    /** The panels at {@code state}'s commit, placed in its folders ({@code state} read with {@code syncPath}). */
    public DesiredLibrary read(DesiredState state, String syncPath) throws IOException {
        String dir = syncPath.isEmpty() ? DIRECTORY : syncPath + "/" + DIRECTORY;
        Set<String> folders = state.foldersByUid().keySet();
        List<FileError> errors = new ArrayList<>();
        Set<String> protectedUids = new HashSet<>();
        boolean holds = false;
        Map<String, List<DesiredLibraryPanel>> byUid = new LinkedHashMap<>();
        try (RevWalk rw = new RevWalk(repository); TreeWalk tw = new TreeWalk(repository)) {
            tw.addTree(rw.parseCommit(state.commit()).getTree());
            tw.setRecursive(true);
            tw.setFilter(PathFilter.create(dir));
            while (tw.next()) {
                String path = tw.getPathString();
                if (!path.endsWith(".json")) {
                    continue;
                }
                if (tw.getFileMode(0) != FileMode.REGULAR_FILE && tw.getFileMode(0) != FileMode.EXECUTABLE_FILE) {
                    errors.add(ignoring(path, "not a regular file (a link is not followed)"));
                    continue;
                }
                ObjectLoader loader = repository.open(tw.getObjectId(0));
                if (loader.getSize() > ReadDesiredState.DEFAULT_MAX_FILE_BYTES) {
                    errors.add(ignoring(path, "larger than " + ReadDesiredState.DEFAULT_MAX_FILE_BYTES + " bytes"));
                    holds = true;
                    continue;
                }
                Parsed parsed = parse(path, loader.getBytes(), tw.getObjectId(0).copy(), state.rootFolderUid(),
                        folders);
                if (parsed.error().isPresent()) {
                    errors.add(ignoring(path, parsed.error().get()));
                    parsed.uid().ifPresent(protectedUids::add);
                    holds |= parsed.uid().isEmpty();
                } else {
                    DesiredLibraryPanel p = parsed.panel().orElseThrow();
                    byUid.computeIfAbsent(p.uid(), k -> new ArrayList<>()).add(p);
                }
            }
        }
        List<DesiredLibraryPanel> panels = new ArrayList<>();
        byUid.forEach((uid, list) -> {
            if (list.size() == 1) {
                panels.add(list.get(0));
                return;
            }
            protectedUids.add(uid);
            List<String> paths = list.stream().map(DesiredLibraryPanel::path).toList();
            for (String p : paths) {
                errors.add(ignoring(p, "library panel uid '" + uid + "' is also used by "
                        + String.join(", ", paths.stream().filter(o -> !o.equals(p)).toList())
                        + "; all of them are skipped until one uid is changed"));
            }
        });
        return new DesiredLibrary(state.commit(), panels, errors, protectedUids, holds);
    }

    private record Parsed(Optional<DesiredLibraryPanel> panel, Optional<String> uid, Optional<String> error) {
        static Parsed bad(Optional<String> uid, String error) {
            return new Parsed(Optional.empty(), uid, Optional.of(error));
        }
    }

    private static Parsed parse(String path, byte[] bytes, ObjectId blob, String rootFolderUid, Set<String> folders) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            return Parsed.bad(Optional.empty(), "invalid JSON: "
                    + (e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (root != null && root.path("result").isObject()) {
            root = root.get("result");
        }
        if (root == null || !root.isObject()) {
            return Parsed.bad(Optional.empty(), "not a JSON object");
        }
        JsonNode uidNode = root.path("uid");
        if (!uidNode.isTextual() || !FolderUids.VALID_UID.matcher(uidNode.asText()).matches()) {
            return Parsed.bad(Optional.empty(), "uid must be 1 to 40 of a-z A-Z 0-9 - _, got " + uidNode);
        }
        Optional<String> uid = Optional.of(uidNode.asText());
        if (root.has("kind") && root.path("kind").asInt(0) != 1) {
            return Parsed.bad(uid, "kind " + root.get("kind") + " is not a library panel (1)");
        }
        String name = root.path("name").asText("").strip();
        if (name.isEmpty()) {
            return Parsed.bad(uid, "no name");
        }
        if (!(root.path("model") instanceof ObjectNode model)) {
            return Parsed.bad(uid, "no model object");
        }
        String folderUid = root.path("folderUid").isTextual() ? root.path("folderUid").asText() : rootFolderUid;
        if (!folders.contains(folderUid)) {
            return Parsed.bad(uid, "folderUid '" + folderUid + "' is not a folder of the managed tree");
        }
        return new Parsed(Optional.of(new DesiredLibraryPanel(uid.get(), name, folderUid, model, path, blob)), uid,
                Optional.empty());
    }

    /** Reported with the dashboards' file errors; a library file never holds or protects a dashboard. */
    private static FileError ignoring(String path, String problem) {
        return new FileError(path, path + ": " + problem, Optional.empty(), false);
    }
}
