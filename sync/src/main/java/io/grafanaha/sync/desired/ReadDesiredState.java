package io.grafanaha.sync.desired;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilter;

/**
 * Reads the desired state at one commit: every {@code *.json}, {@code *.yaml} and {@code *.yml} under
 * {@code sync.path}, straight from the commit's tree (no checkout), except the {@link ResourceFiles#DIRECTORIES}
 * ({@code alerting/}, {@code datasources/}) directly under it, which hold other kinds of resources.
 *
 * <p>Directories become nested folders under a root folder titled {@code sync.folder}. A directory's
 * {@code _folder.json} pins its uid and title; otherwise the uid is derived from the path ({@link FolderUids}).
 *
 * <p>A file that cannot be used is skipped with a {@link FileError} naming it, and the rest is still read:
 * invalid JSON or YAML, no uid, no title, a uid over 40 characters or with characters Grafana refuses, a file over
 * the size limit, a symbolic link (it could point outside {@code sync.path}), or a uid used by more than one
 * file. For a shared uid <em>every</em> file using it is skipped and the uid protected: choosing one would let a
 * newly added file silently take over an existing dashboard, so the backends keep what they have until the
 * conflict is resolved. A directory whose {@code _folder.json} is unusable (or pins a uid another directory also
 * pins) is skipped with everything under it, its dashboards protected. The directories of
 * {@link #RESERVED_DIRECTORIES} at the top hold other kinds of resources and are not read here.
 *
 * <p>Longer than most classes here on purpose: each rule for a bad file (size, link, format, uid clash, folder pin)
 * is a few lines beside the walk that meets it, so a reader sees every reason a file can be skipped in one place.
 *
 * <pre>{@code
 * DesiredState state = new ReadDesiredState(mirror.repository())
 *         .setCommit(head.id()).setPath("shared/").setRootFolderTitle("grafana-manifests").call();
 * }</pre>
 */
public final class ReadDesiredState {
    /** Files larger than this are skipped (Grafana's own Git Sync has a similar limit). */
    public static final long DEFAULT_MAX_FILE_BYTES = 10L * 1024 * 1024;
    /** The root of the instance, in {@link SyncScope#INSTANCE}: Grafana names it General and gives it uid "". */
    public static final DesiredFolder GENERAL = new DesiredFolder("", "General", Optional.empty(), "", false);
    /** The directory at the top of {@code sync.path} that holds library panels ({@code io.grafanaha.sync.library}). */
    public static final String LIBRARY_PANELS = "library-panels";
    /** Directories at the top of {@code sync.path} that hold other kinds of resources: no folder, no dashboards. */
    public static final Set<String> RESERVED_DIRECTORIES = Set.of(LIBRARY_PANELS);
    /** The file in a directory that pins its folder's uid and title. */
    public static final String FOLDER_FILE = "_folder.json";

    private final Repository repository;
    private ObjectId commit;
    private String path = "";
    private String rootFolderTitle;
    private SyncScope scope = SyncScope.FOLDER;
    private long maxFileBytes = DEFAULT_MAX_FILE_BYTES;
    private Map<String, DesiredDashboard> previousByPath = Map.of();

    public ReadDesiredState(Repository repository) {
        this.repository = Objects.requireNonNull(repository, "repository");
    }

    /** The commit to read (required). */
    public ReadDesiredState setCommit(ObjectId commit) {
        this.commit = commit;
        return this;
    }

    /** {@code sync.path}: the directory in the repository to read; {@code ""} or {@code /} for the whole tree. */
    public ReadDesiredState setPath(String path) {
        this.path = normalisePath(path);
        return this;
    }

    /** {@code sync.folder}: the title of the managed tree's root folder (required). */
    public ReadDesiredState setRootFolderTitle(String title) {
        this.rootFolderTitle = title;
        return this;
    }

    /**
     * {@code sync.scope}; default {@link SyncScope#FOLDER}. With {@link SyncScope#INSTANCE} the root directory is
     * "General" (uid {@code ""}, never created, renamed or pinned) and its directories are top-level folders; folder
     * uids still derive from {@code sync.folder} and the path.
     */
    public ReadDesiredState setScope(SyncScope scope) {
        this.scope = Objects.requireNonNull(scope, "scope");
        return this;
    }

    /**
     * The state read at an earlier commit, or null: a file whose blob is unchanged since then is not read and parsed
     * again, and keeps the very same dashboard tree. After a push that changed one file of a thousand, reading the
     * new head then costs one file, and a backend client that remembers the tree it wrote knows, by identity, that
     * it still matches.
     */
    public ReadDesiredState setPrevious(DesiredState previous) {
        this.previousByPath = previous == null ? Map.of() : previous.dashboards().stream()
                .collect(Collectors.toUnmodifiableMap(d -> d.source().path(), d -> d));
        return this;
    }

    public ReadDesiredState setMaxFileBytes(long maxFileBytes) {
        this.maxFileBytes = maxFileBytes;
        return this;
    }

    /**
     * {@code sync.path} without leading or trailing slashes.
     *
     * @throws IllegalArgumentException if it has {@code .} or {@code ..} segments (it would escape the repository)
     */
    public static String normalisePath(String path) {
        String p = Objects.requireNonNullElse(path, "").replace('\\', '/').trim();
        p = p.replaceAll("^/+|/+$", "");
        if (p.isEmpty()) {
            return "";
        }
        for (String segment : p.split("/+")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("sync.path '" + path + "' must not contain '.' or '..'");
            }
        }
        return String.join("/", p.split("/+"));
    }

    /**
     * The dashboard one file holds, as the tree would read it ({@code uid} set, no {@code id}/{@code version}); empty
     * when the file is not a usable dashboard. {@code path} gives the encoding ({@code .json} or YAML).
     */
    public static Optional<ObjectNode> parseDashboard(String path, byte[] bytes) {
        return DashboardFileParser.parse(bytes, DashboardFileParser.encodingOf(path))
                instanceof DashboardFileParser.Dashboard d ? Optional.of(d.json()) : Optional.empty();
    }

    /**
     * Reads the tree.
     *
     * @throws IOException if the mirror cannot read the commit (a damaged mirror, a commit it does not hold)
     */
    public DesiredState call() throws IOException {
        Objects.requireNonNull(commit, "setCommit is required");
        Objects.requireNonNull(rootFolderTitle, "setRootFolderTitle is required");
        Tree tree = walk();
        List<FileError> errors = new ArrayList<>(tree.errors);
        Folders folders = resolveFolders(tree, errors);
        List<DesiredDashboard> dashboards = readDashboards(tree, folders, errors);
        errors.sort(Comparator.comparing(FileError::path));
        return new DesiredState(commit.copy(), folders.byDirectory.get("").uid(), folders.list(), dashboards,
                errors);
    }

    // ---- walking the tree

    private record Blob(String path, String directory, ObjectId id) {}

    private static final class Tree {
        final TreeSet<String> directories = new TreeSet<>();
        final Map<String, Blob> folderFiles = new HashMap<>();
        final List<Blob> dashboardFiles = new ArrayList<>();
        final List<FileError> errors = new ArrayList<>();
    }

    private Tree walk() throws IOException {
        Tree tree = new Tree();
        boolean found = path.isEmpty();
        try (RevWalk rw = new RevWalk(repository); TreeWalk tw = new TreeWalk(repository)) {
            tw.addTree(rw.parseCommit(commit).getTree());
            tw.setRecursive(false);
            if (!path.isEmpty()) {
                tw.setFilter(PathFilter.create(path));
            }
            while (tw.next()) {
                String full = tw.getPathString();
                boolean inside = path.isEmpty() || full.startsWith(path + "/");
                if (tw.isSubtree()) {
                    if (full.equals(path)) {
                        found = true;
                    } else if (inside && (RESERVED_DIRECTORIES.contains(relative(full))
                            || ResourceFiles.DIRECTORIES.contains(relative(full)))) {
                        continue; // library panels, alert rules, data sources: read by their own steps, never dashboards
                    } else if (inside) {
                        tree.directories.add(relative(full));
                    }
                    tw.enterSubtree();
                    continue;
                }
                if (!inside) {
                    continue;
                }
                String rel = relative(full);
                String dir = rel.contains("/") ? rel.substring(0, rel.lastIndexOf('/')) : "";
                String name = tw.getNameString();
                FileMode mode = tw.getFileMode(0);
                boolean candidate = name.endsWith(".json") || name.endsWith(".yaml") || name.endsWith(".yml");
                if (mode == FileMode.SYMLINK) {
                    tree.errors.add(FileError.ignoring(full,
                            "symbolic link not followed (it could point outside " + describePath() + ")"));
                } else if (mode == FileMode.GITLINK) {
                    tree.errors.add(FileError.ignoring(full, "submodule not followed"));
                } else if (name.equals(FOLDER_FILE)) {
                    tree.folderFiles.put(dir, new Blob(full, dir, tw.getObjectId(0)));
                } else if (candidate) {
                    tree.dashboardFiles.add(new Blob(full, dir, tw.getObjectId(0)));
                }
            }
        }
        tree.directories.add("");
        if (!found) {
            // A wrong path must not look like "every dashboard was removed".
            tree.errors.add(FileError.holdingDeletes(path, "sync.path '" + path + "' is not a directory in commit "
                    + commit.abbreviate(7).name()));
        }
        return tree;
    }

    private String relative(String full) {
        return path.isEmpty() ? full : full.substring(path.length() + 1);
    }

    private String describePath() {
        return path.isEmpty() ? "the repository" : path + "/";
    }

    // ---- folders

    private static final class Folders {
        final Map<String, DesiredFolder> byDirectory = new LinkedHashMap<>();
        /** Directories skipped, with the reason given to the files under them. */
        final Map<String, String> broken = new HashMap<>();

        List<DesiredFolder> list() {
            return List.copyOf(byDirectory.values());
        }
    }

    private record Pin(String uid, Optional<String> title) {}

    private Folders resolveFolders(Tree tree, List<FileError> errors) throws IOException {
        Map<String, Pin> pins = new HashMap<>();
        Map<String, List<String>> dirsByPinnedUid = new TreeMap<>();
        for (Blob file : tree.folderFiles.values()) {
            if (file.directory().isEmpty() && scope == SyncScope.INSTANCE) {
                continue; // reported below: General cannot be pinned
            }
            Optional<Pin> pin = readPin(file, errors);
            pin.ifPresent(p -> {
                pins.put(file.directory(), p);
                dirsByPinnedUid.computeIfAbsent(p.uid(), k -> new ArrayList<>()).add(file.path());
            });
        }
        dirsByPinnedUid.forEach((uid, files) -> {
            if (files.size() > 1) {
                for (String f : files) {
                    errors.add(FileError.ignoring(f, "folder uid '" + uid + "' is also pinned by "
                            + String.join(", ", files.stream().filter(o -> !o.equals(f)).sorted().toList())));
                    pins.remove(tree.folderFiles.values().stream().filter(b -> b.path().equals(f)).findFirst()
                            .orElseThrow().directory());
                }
            }
        });

        // A pin may also take the uid another directory derives (copied from it, say): two folders with one uid
        // would break every map of folders, so the pin is skipped like any unusable folder file.
        Map<String, String> derivedDirs = new HashMap<>();
        for (String dir : tree.directories) {
            if (!pins.containsKey(dir) && !(dir.isEmpty() && scope == SyncScope.INSTANCE)) {
                derivedDirs.put(FolderUids.derive(rootFolderTitle, dir), dir);
            }
        }
        for (Blob file : tree.folderFiles.values()) {
            Pin pin = pins.get(file.directory());
            String other = pin == null ? null : derivedDirs.get(pin.uid());
            if (other != null && !other.equals(file.directory())) {
                errors.add(FileError.ignoring(file.path(), "folder uid '" + pin.uid() + "' is already the uid of "
                        + "directory '" + (other.isEmpty() ? "(the root folder)" : other) + "'"));
                pins.remove(file.directory());
            }
        }

        Folders folders = new Folders();
        List<String> ordered = new ArrayList<>(tree.directories);
        ordered.sort(Comparator.comparingInt(ReadDesiredState::depth).thenComparing(Comparator.naturalOrder()));
        for (String dir : ordered) {
            String parentDir = dir.isEmpty() ? null : (dir.contains("/") ? dir.substring(0, dir.lastIndexOf('/')) : "");
            if (parentDir != null && folders.broken.containsKey(parentDir)) {
                folders.broken.put(dir, folders.broken.get(parentDir));
                continue;
            }
            Blob folderFile = tree.folderFiles.get(dir);
            if (dir.isEmpty() && scope == SyncScope.INSTANCE) {
                if (folderFile != null) {
                    errors.add(FileError.ignoring(folderFile.path(), "with sync.scope instance the top of "
                            + describePath() + " is General, which has no uid or title to pin"));
                }
                folders.byDirectory.put(dir, GENERAL);
                continue;
            }
            if (folderFile != null && !pins.containsKey(dir)) {
                folders.broken.put(dir, "its folder's " + folderFile.path() + " is unusable");
                if (!dir.isEmpty()) {
                    continue;
                }
                // The root folder must exist for the tree to be compared: keep the derived uid, and hold
                // deletes, since the backends may hold the tree under the uid the broken file used to pin.
                errors.add(FileError.holdingDeletes(folderFile.path(),
                        "the root folder's uid is unknown while this file is unusable"));
            }
            String name = dir.isEmpty() ? rootFolderTitle : dir.substring(dir.lastIndexOf('/') + 1);
            Pin pin = folders.broken.containsKey(dir) ? null : pins.get(dir);
            String uid = pin != null ? pin.uid() : FolderUids.derive(rootFolderTitle, dir);
            String title = pin != null ? pin.title().orElse(name) : name;
            Optional<String> parent = parentDir == null ? Optional.empty()
                    : Optional.of(folders.byDirectory.get(parentDir).uid());
            folders.byDirectory.put(dir, new DesiredFolder(uid, title, parent, dir, pin != null));
        }
        return folders;
    }

    private Optional<Pin> readPin(Blob file, List<FileError> errors) throws IOException {
        ObjectLoader loader = repository.open(file.id());
        if (loader.getSize() > maxFileBytes) {
            errors.add(FileError.ignoring(file.path(), "larger than " + maxFileBytes + " bytes"));
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = DashboardFileParser.readTree(loader.getBytes(), SourceFormat.Encoding.JSON);
        } catch (JacksonException e) {
            errors.add(FileError.ignoring(file.path(), "invalid JSON: " + e.getOriginalMessage()));
            return Optional.empty();
        }
        if (root == null || !root.isObject()) {
            errors.add(FileError.ignoring(file.path(), "not a JSON object"));
            return Optional.empty();
        }
        String apiVersion = root.path("apiVersion").asText("");
        if (!apiVersion.startsWith("folder.grafana.app/") || !root.path("kind").asText("").equals("Folder")) {
            errors.add(FileError.ignoring(file.path(),
                    "expected apiVersion folder.grafana.app/* and kind Folder, got '" + apiVersion + "', '"
                            + root.path("kind").asText("") + "'"));
            return Optional.empty();
        }
        JsonNode name = root.path("metadata").path("name");
        if (!name.isTextual() || !FolderUids.VALID_UID.matcher(name.asText()).matches()) {
            errors.add(FileError.ignoring(file.path(), "metadata.name (the folder uid) must be 1 to 40 of"
                    + " a-z A-Z 0-9 - _, got " + name));
            return Optional.empty();
        }
        JsonNode title = root.path("spec").path("title");
        Optional<String> t = title.isTextual() && !title.asText().isBlank()
                ? Optional.of(title.asText().trim()) : Optional.empty();
        return Optional.of(new Pin(name.asText(), t));
    }

    private static int depth(String dir) {
        return dir.isEmpty() ? 0 : dir.split("/").length;
    }

    // ---- dashboards

    private List<DesiredDashboard> readDashboards(Tree tree, Folders folders, List<FileError> errors)
            throws IOException {
        List<Blob> files = new ArrayList<>(tree.dashboardFiles);
        files.sort(Comparator.comparing(Blob::path));
        Map<String, List<DesiredDashboard>> byUid = new LinkedHashMap<>();
        for (Blob file : files) {
            DesiredDashboard unchanged = previousByPath.get(file.path());
            if (unchanged != null && unchanged.source().blobId().equals(file.id())
                    && !folders.broken.containsKey(file.directory())) {
                DesiredFolder folder = folders.byDirectory.get(file.directory());
                byUid.computeIfAbsent(unchanged.uid(), k -> new ArrayList<>()).add(unchanged.folderUid()
                        .equals(folder.uid()) ? unchanged : unchanged.withFolder(folder.uid()));
                continue;
            }
            ObjectLoader loader = repository.open(file.id());
            if (loader.getSize() > maxFileBytes) {
                errors.add(FileError.holdingDeletes(file.path(),
                        "larger than " + maxFileBytes + " bytes (" + loader.getSize() + ")"));
                continue;
            }
            SourceFormat.Encoding encoding = DashboardFileParser.encodingOf(file.path());
            DashboardFileParser.Result result = DashboardFileParser.parse(loader.getBytes(), encoding);
            if (result instanceof DashboardFileParser.Rejected rejected) {
                errors.add(rejected.toError(file.path()));
                continue;
            }
            var d = (DashboardFileParser.Dashboard) result;
            String broken = folders.broken.get(file.directory());
            if (broken != null) {
                errors.add(FileError.protecting(file.path(), d.uid(), "skipped because " + broken));
                continue;
            }
            DesiredFolder folder = folders.byDirectory.get(file.directory());
            byUid.computeIfAbsent(d.uid(), k -> new ArrayList<>()).add(new DesiredDashboard(d.uid(), d.title(),
                    folder.uid(), d.json(), new DashboardSource(file.path(), d.format(), file.id().copy())));
        }
        List<DesiredDashboard> dashboards = new ArrayList<>();
        byUid.forEach((uid, list) -> {
            if (list.size() == 1) {
                dashboards.add(list.get(0));
                return;
            }
            List<String> paths = list.stream().map(d -> d.source().path()).toList();
            for (String p : paths) {
                errors.add(FileError.protecting(p, uid, "uid '" + uid + "' is also used by "
                        + String.join(", ", paths.stream().filter(o -> !o.equals(p)).toList())
                        + "; all of them are skipped until one uid is changed"));
            }
        });
        dashboards.sort(Comparator.comparing(d -> d.source().path()));
        return dashboards;
    }
}
