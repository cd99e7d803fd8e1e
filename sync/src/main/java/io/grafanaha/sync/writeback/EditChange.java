package io.grafanaha.sync.writeback;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.desired.DesiredDashboard;
import io.grafanaha.sync.desired.DesiredFolder;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.ReadDesiredState;
import io.grafanaha.sync.desired.SourceFormat;
import io.grafanaha.sync.json.CanonicalJson;
import io.grafanaha.sync.grafana.BackendDashboard;
import io.grafanaha.sync.grafana.BackendFolder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jgit.lib.ObjectId;

/**
 * What one captured edit changes in the tree of one head commit: the rules of the write-back in one place.
 *
 * <p><b>Conflict rule</b> for a saved dashboard Git also holds (content G ≠ the user's content U), decided from the
 * backend's own version history ({@link Ancestry#based}), which every gateway shares, so it stays right when another
 * gateway applied G or wrote it back: when a version before U holds G, U was made on top of G and is written over
 * the head. When a user's later save on that backend holds G and the sync wrote nothing there in between, U is
 * superseded: nothing to do. When U was made on top of
 * something else, it is already kept when Git's history of the file or a conflict branch holds it (the same edit
 * captured again, e.g. by a second gateway): nothing to do; otherwise it conflicts: Git keeps G and U goes to a
 * conflict branch. A version read back that the sync wrote (a pass that had read an older head overwrote the save) is
 * Git's older content, never an edit: nothing to do. A dashboard Git does not hold is created, unless Git deleted its
 * file (an edit against a delete: a conflict). A delete, whose backend history is gone, conflicts when the blob the
 * sync last applied to that backend ({@link BaseBlob}) is known and differs from Git's.
 */
final class EditChange {
    /** What to do. */
    sealed interface Result {}

    /**
     * Nothing to commit; {@code gitBlob} is the blob Git holds when it already equals the backend; {@code behind}:
     * the backend holds an older version than Git's, which a pass should now replace.
     */
    record Nothing(String reason, Optional<ObjectId> gitBlob, boolean behind) implements Result {
        Nothing(String reason, Optional<ObjectId> gitBlob) {
            this(reason, gitBlob, false);
        }
    }

    /** A commit to make; {@code blob} is the new blob of the dashboard's file (empty for deletes and folders). */
    record Write(GitWriter.Change change, String path, String message, boolean conflict, Optional<ObjectId> blob)
            implements Result {}

    /** What a backend's version of a dashboard was made on top of. */
    enum Based {
        /** On Git's content: a fast-forward. */
        ON_GIT,
        /** On something else: already kept, or a conflict. */
        ON_OTHER,
        /** A user's later save on the backend is Git's content: this version is superseded. */
        BEHIND,
        /** The backend keeps no history of the dashboard (it lost it): only the journal's base can tell. */
        UNKNOWN,
        /**
         * The sync wrote this version (Git's content at some commit), not a user: a pass that had read an older head
         * put it over a user's save. Nothing of a user's is in it; writing it back would set Git back.
         */
        WRITTEN_BY_SYNC
    }

    /** Where an edit came from and whether Git already keeps it ({@link EditHistory}). */
    interface Ancestry {
        /** Whether the backend's version {@code currentVersion} of {@code uid} was made on top of {@code gitJson}. */
        Based based(String backend, String uid, int currentVersion, ObjectNode gitJson) throws IOException;

        /** Where Git already keeps {@code userJson} for {@code uid}: its history at {@code path}, a conflict branch. */
        Optional<String> keptAt(String uid, String path, ObjectNode userJson, ObjectId head) throws IOException;

        /** The commit that deleted {@code uid}'s file, when Git had it and removed it. */
        Optional<String> deletedIn(String uid, ObjectId head) throws IOException;
    }

    /** A folder as the backend holds it ({@code GET /api/folders/:uid}); empty when it does not exist. */
    @FunctionalInterface
    interface BackendFolders {
        Optional<BackendFolder> of(String backend, String uid) throws IOException;
    }

    /** The blob a backend's version of a dashboard was based on, when it can be known. */
    @FunctionalInterface
    interface BaseBlob {
        Optional<ObjectId> of(String backend, String uid);
    }

    /** The file that keeps a directory whose last dashboard went: not a dashboard, so the reader ignores it. */
    static final String KEEP = ".gitkeep";
    /** How many nested folders made on a backend one write-back adds at most (Grafana allows 8 levels). */
    private static final int MAX_NEW_FOLDERS = 8;

    private final GitWriter writer;
    private final BaseBlob base;
    private final Ancestry ancestry;
    private final BackendFolders backendFolders;
    private final String syncPath;

    EditChange(GitWriter writer, BaseBlob base, Ancestry ancestry, BackendFolders backendFolders, String syncPath) {
        this.writer = writer;
        this.base = base;
        this.ancestry = ancestry;
        this.backendFolders = backendFolders;
        this.syncPath = syncPath;
    }

    /** A dashboard saved on the backend, read back as {@code saved} (empty: it is gone again). */
    Result dashboardSaved(CapturedEdit edit, Optional<BackendDashboard> saved, DesiredState head) throws IOException {
        return dashboardSaved(edit, saved, Optional.empty(), Optional.empty(), head);
    }

    /**
     * As {@link #dashboardSaved(CapturedEdit, Optional, DesiredState)}, with {@code previous}, the dashboard the
     * backend held right before the save when the journal knows it (the edit was made on Git's content when that is
     * Git's content), and {@code journalBase}, the blob the backend held before the edit as journaled: when the
     * backend has lost the dashboard's history, the edit was made on top of Git's content exactly when that blob is
     * Git's.
     */
    Result dashboardSaved(CapturedEdit edit, Optional<BackendDashboard> saved, Optional<ObjectNode> previous,
            Optional<ObjectId> journalBase, DesiredState head) throws IOException {
        if (saved.isEmpty()) {
            return new Nothing("dashboard " + edit.uid() + " no longer exists on " + edit.backend(), Optional.empty());
        }
        BackendDashboard d = saved.get();
        Map<String, byte[]> newFolders = new HashMap<>();
        DesiredFolder folder = head.foldersByUid().get(d.folderUid());
        if (folder == null) {
            folder = foldersMadeThere(edit.backend(), d.folderUid(), head, newFolders).orElse(null);
        }
        if (folder == null) {
            return new Nothing("dashboard " + edit.uid() + " is in folder '" + d.folderUid()
                    + "', outside the managed tree", Optional.empty());
        }
        if (head.protectedUids().contains(edit.uid())) {
            return new Nothing("the file of dashboard " + edit.uid() + " cannot be read in Git; fix it there first",
                    Optional.empty());
        }
        ObjectNode json = d.json().deepCopy();
        json.put("uid", edit.uid());
        Optional<DesiredDashboard> inGit = head.dashboard(edit.uid());
        String title = d.title().isBlank() ? edit.uid() : d.title();
        if (inGit.isPresent()) {
            DesiredDashboard g = inGit.get();
            boolean moved = !g.folderUid().equals(d.folderUid());
            if (!moved && CanonicalJson.same(g.json(), json)) {
                return new Nothing("Git already holds this version of " + edit.uid(), Optional.of(g.source().blobId()));
            }
            String oldPath = g.source().path();
            String path = moved ? file(folder, oldPath.substring(oldPath.lastIndexOf('/') + 1)) : oldPath;
            byte[] bytes = DashboardFile.render(writer.read(head.commit(), oldPath), g.source().format(), edit.uid(),
                    d.json());
            Map<String, byte[]> writes = new HashMap<>(moved ? keepDirectory(head, oldPath) : Map.of());
            writes.putAll(newFolders);
            writes.put(path, bytes);
            Set<String> deletes = moved ? Set.of(oldPath) : Set.of();
            // What the backend held right before the save, when the journal knows it, answers without its history.
            // A relayed save's journal says what the backend held right before it (the previous journaled save) or
            // which blob the sync had applied there: either being Git's content answers without the backend's history,
            // which keeps only the last versions and is gone when the backend lost the dashboard.
            boolean onGit = previous.filter(p -> sameAs(p, edit.uid(), g.json())).isPresent()
                    || edit.body().isPresent() && journalBase.filter(g.source().blobId()::equals).isPresent();
            Based based = onGit ? Based.ON_GIT : ancestry.based(edit.backend(), edit.uid(), d.version(), g.json());
            if (based == Based.UNKNOWN) {
                based = journalBase.filter(g.source().blobId()::equals).isPresent() ? Based.ON_GIT : Based.ON_OTHER;
            }
            if (based == Based.WRITTEN_BY_SYNC) {
                return new Nothing("version " + d.version() + " of " + edit.uid() + " on " + edit.backend()
                        + " was written by the sync from an older commit, not by a user", Optional.empty(), true);
            }
            if (based == Based.BEHIND) {
                return new Nothing("version " + d.version() + " of " + edit.uid() + " on " + edit.backend()
                        + " is older than what it and Git hold now", Optional.empty());
            }
            if (based == Based.ON_OTHER) {
                Optional<String> kept = ancestry.keptAt(edit.uid(), oldPath, json, head.commit());
                if (kept.isPresent()) {
                    return new Nothing("this version of " + edit.uid() + " was made before Git's latest and is "
                            + "already kept at " + kept.get(), Optional.empty(), true);
                }
            }
            boolean conflict = based == Based.ON_OTHER;
            return new Write(new GitWriter.Change(writes, deletes), path,
                    (moved ? "Move" : "Update") + " dashboard \"" + title + "\" from " + edit.backend(), conflict,
                    Optional.of(GitWriter.blobId(bytes)));
        }
        String slug = DashboardFile.slug(title, edit.uid());
        String path = file(folder, slug + ".json");
        if (writer.read(head.commit(), path).isPresent()) {
            path = file(folder, slug + "-" + edit.uid() + ".json");
        }
        byte[] bytes = DashboardFile.render(Optional.empty(), SourceFormat.classic(SourceFormat.Encoding.JSON),
                edit.uid(), d.json());
        newFolders.put(path, bytes);
        return new Write(new GitWriter.Change(newFolders, Set.of()), path,
                "Create dashboard \"" + title + "\" from " + edit.backend(),
                ancestry.deletedIn(edit.uid(), head.commit()).isPresent(), Optional.of(GitWriter.blobId(bytes)));
    }

    /**
     * A folder the dashboard's backend holds but Git does not, made there (straight on Grafana, so no folder edit was
     * captured) inside the managed tree: its directory, and those of any new folders above it, each pinned by a
     * {@code _folder.json} added to {@code pins}, so the folder reaches Git with the dashboard instead of being
     * deleted by the next pass. Empty when the folder is not inside the managed tree.
     */
    private Optional<DesiredFolder> foldersMadeThere(String backend, String folderUid, DesiredState head,
            Map<String, byte[]> pins) throws IOException {
        List<BackendFolder> made = new ArrayList<>(); // innermost first
        String uid = folderUid;
        DesiredFolder managed = null;
        while (managed == null && made.size() < MAX_NEW_FOLDERS) {
            managed = head.foldersByUid().get(uid); // "" (General) only with sync.scope instance
            if (managed == null && uid.isEmpty()) {
                return Optional.empty();
            } else if (managed == null) {
                Optional<BackendFolder> f = backendFolders.of(backend, uid);
                if (f.isEmpty()) {
                    return Optional.empty();
                }
                made.add(f.get());
                uid = f.get().parentUid().orElse("");
            }
        }
        if (managed == null) {
            return Optional.empty();
        }
        DesiredFolder folder = managed;
        for (int i = made.size() - 1; i >= 0; i--) {
            BackendFolder f = made.get(i);
            String name = DashboardFile.slug(f.title(), f.uid());
            String directory = folder.directory().isEmpty() ? name : folder.directory() + "/" + name;
            String pin = file(directory, ReadDesiredState.FOLDER_FILE);
            pins.put(pin, DashboardFile.renderFolder(writer.read(head.commit(), pin), pin(f)));
            folder = new DesiredFolder(f.uid(), f.title(), Optional.of(folder.uid()), directory, true);
        }
        return Optional.of(folder);
    }

    /** The {@code _folder.json} that pins a folder's uid and title. */
    private static ObjectNode pin(BackendFolder f) {
        ObjectNode pin = JsonNodeFactory.instance.objectNode().put("apiVersion", "folder.grafana.app/v1beta1")
                .put("kind", "Folder");
        pin.putObject("metadata").put("name", f.uid());
        pin.putObject("spec").put("title", f.title());
        return pin;
    }

    /**
     * An empty {@value #KEEP} for the directory of {@code file} when the file is its last: a dashboard deleted or
     * moved away is not its folder deleted, and Git keeps no empty directory (the folder would vanish everywhere).
     */
    private Map<String, byte[]> keepDirectory(DesiredState head, String file) throws IOException {
        return writer.lastFileIn(head.commit(), file)
                ? Map.of(file.substring(0, file.lastIndexOf('/') + 1) + KEEP, new byte[0]) : Map.of();
    }

    /** A dashboard deleted on the backend ({@code stillThere}: it exists again, so nothing is deleted). */
    Result dashboardDeleted(CapturedEdit edit, boolean stillThere, DesiredState head) throws IOException {
        Optional<DesiredDashboard> inGit = head.dashboard(edit.uid());
        if (stillThere) {
            return new Nothing("dashboard " + edit.uid() + " exists again on " + edit.backend(), Optional.empty());
        }
        if (inGit.isEmpty()) {
            return new Nothing("Git holds no dashboard " + edit.uid(), Optional.empty());
        }
        DesiredDashboard g = inGit.get();
        return new Write(new GitWriter.Change(keepDirectory(head, g.source().path()), Set.of(g.source().path())),
                g.source().path(),
                "Delete dashboard \"" + g.title() + "\" from " + edit.backend(),
                basedOnOtherThan(edit, Optional.of(g.source().blobId())), Optional.empty());
    }

    /** A folder created or renamed on the backend: pinned by a {@code _folder.json}. */
    Result folderSaved(CapturedEdit edit, Optional<BackendFolder> saved, DesiredState head) throws IOException {
        if (saved.isEmpty()) {
            return new Nothing("folder " + edit.uid() + " no longer exists on " + edit.backend(), Optional.empty());
        }
        BackendFolder f = saved.get();
        DesiredFolder existing = head.foldersByUid().get(f.uid());
        String directory;
        String verb;
        if (existing != null) {
            if (existing.title().equals(f.title())) {
                return new Nothing("Git already names folder " + f.uid() + " \"" + f.title() + "\"",
                        Optional.empty());
            }
            directory = existing.directory();
            verb = "Rename";
        } else {
            // A top-level folder's parent is General, managed only with sync.scope instance.
            DesiredFolder parent = head.foldersByUid().get(f.parentUid().orElse(""));
            if (parent == null) {
                return new Nothing("folder " + f.uid() + " is outside the managed tree", Optional.empty());
            }
            String name = DashboardFile.slug(f.title(), f.uid());
            directory = parent.directory().isEmpty() ? name : parent.directory() + "/" + name;
            verb = "Create";
        }
        String path = file(directory, ReadDesiredState.FOLDER_FILE);
        byte[] bytes = DashboardFile.renderFolder(writer.read(head.commit(), path), pin(f));
        return new Write(new GitWriter.Change(Map.of(path, bytes), Set.of()), path,
                verb + " folder \"" + f.title() + "\" from " + edit.backend(), false, Optional.empty());
    }

    /** A folder deleted on the backend (Grafana deleted what it held): its directory goes. */
    Result folderDeleted(CapturedEdit edit, boolean stillThere, DesiredState head) {
        DesiredFolder existing = head.foldersByUid().get(edit.uid());
        if (stillThere || existing == null || existing.directory().isEmpty()) {
            return new Nothing("folder " + edit.uid() + " is not a managed folder deleted on " + edit.backend(),
                    Optional.empty());
        }
        String dir = file(existing.directory(), "");
        return new Write(new GitWriter.Change(Map.of(), Set.of(dir)), dir,
                "Delete folder \"" + existing.title() + "\" from " + edit.backend(), false, Optional.empty());
    }

    private static boolean sameAs(ObjectNode dashboard, String uid, ObjectNode gitJson) {
        ObjectNode json = dashboard.deepCopy();
        json.put("uid", uid);
        return CanonicalJson.same(json, gitJson);
    }

    /** Whether the backend's version was based on a blob other than {@code gitBlob} (see the conflict rule). */
    private boolean basedOnOtherThan(CapturedEdit edit, Optional<ObjectId> gitBlob) {
        Optional<ObjectId> based = base.of(edit.backend(), edit.uid());
        return based.isPresent() && !based.equals(gitBlob);
    }

    private String file(DesiredFolder folder, String name) {
        return file(folder.directory(), name);
    }

    /** {@code sync.path/directory/name}. */
    private String file(String directory, String name) {
        String dir = syncPath.isEmpty() ? directory : directory.isEmpty() ? syncPath : syncPath + "/" + directory;
        return dir.isEmpty() ? name : dir + "/" + name;
    }
}
