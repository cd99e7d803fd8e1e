package io.grafanaha.sync.writeback;

import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.library.BackendLibraryPanel;
import io.grafanaha.sync.library.DesiredLibrary;
import io.grafanaha.sync.library.DesiredLibraryPanel;
import io.grafanaha.sync.library.ReadLibraryPanels;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;

/**
 * What a library panel edit relayed by the gateway does to Git ({@link CommitEdit} commits it, on a conflict branch
 * when it conflicts), the library panel counterpart of {@link EditChange}.
 *
 * <p><b>The conflict rule</b> is the dashboards' one: an edit conflicts when Git's file changed since the content the
 * edit was made over. Grafana keeps no history of a library panel, so what an edit was made over is known from the
 * gateway's own records: the content a save through the gateway left on that instance at the version the PATCH names
 * ({@code from}: the editor loaded what that save left), else the blob of Git's file the last pass wrote to or found on
 * that instance ({@code base}, journaled with the edit). Git's version stays on the branch and the edit goes to
 * {@code gateway/conflicts/<uid>-<time>}; an edit whose base is unknown (no pass since the gateway started) is
 * committed, as a dashboard's is. A create over a panel Git holds otherwise (the same uid created on two instances), an
 * edit of a panel whose file Git deleted since, or whose file is unusable, conflict too. A delete conflicts when Git's
 * file changed since its base. Runs on the write-back's thread; the records are in memory (one per backend and panel).
 */
final class LibraryPanelChange {
    /** A save the write-back put in Git: {@code version} on its backend holds the content of {@code blob}. */
    private record Left(int version, ObjectId blob) {}

    private final GitWriter writer;
    private final String syncPath;
    /** backend + uid → the last save of it through the gateway that Git holds. */
    private final Map<String, Left> left = new ConcurrentHashMap<>();

    LibraryPanelChange(GitWriter writer, String syncPath) {
        this.writer = writer;
        this.syncPath = syncPath;
    }

    /** A create or update ({@link CapturedEdit.Kind#LIBRARY_PANEL_SAVED}) on top of {@code head}. */
    EditChange.Result saved(CapturedEdit edit, Optional<ObjectId> base, DesiredState head) throws IOException {
        LibraryPanelEdit saved = edit.panel().orElseThrow(() -> new IllegalArgumentException(
                "library panel save of " + edit.uid() + " without what it saved"));
        BackendLibraryPanel p = saved.panel();
        DesiredLibrary lib = new ReadLibraryPanels(writer.repository()).read(head, syncPath);
        Optional<DesiredLibraryPanel> inGit = lib.panel(p.uid());
        boolean unusable = lib.protectedUids().contains(p.uid());
        if (inGit.isEmpty() && !unusable && !head.foldersByUid().containsKey(p.folderUid())) {
            return new EditChange.Nothing("library panel outside the managed tree: kept per instance",
                    Optional.empty());
        }
        if (inGit.isPresent() && p.matches(inGit.get())) {
            return new EditChange.Nothing("Git already holds it", Optional.of(inGit.get().blobId()));
        }
        Optional<ObjectId> madeOver = saved.from().isEmpty() ? Optional.empty()
                : Optional.ofNullable(left.get(key(edit))).filter(l -> l.version() == saved.from().getAsInt())
                        .map(Left::blob).or(() -> base);
        boolean conflict;
        String path;
        if (inGit.isPresent()) {
            path = inGit.get().path();
            conflict = saved.from().isEmpty() || madeOver.map(b -> !b.equals(inGit.get().blobId())).orElse(false);
        } else {
            path = LibraryPanelFile.newPath(writer, head.commit(), syncPath, p);
            conflict = unusable || madeOver.isPresent();
        }
        byte[] content = LibraryPanelFile.render(writer.read(head.commit(), path), p, head.rootFolderUid());
        String message = (inGit.isPresent() ? "Update" : "Create") + " library panel \"" + p.name() + "\" ("
                + p.uid() + ") from " + edit.backend();
        return new EditChange.Write(new GitWriter.Change(Map.of(path, content), Set.of()), path, message, conflict,
                Optional.of(blobId(content)));
    }

    /** A delete ({@link CapturedEdit.Kind#LIBRARY_PANEL_DELETED}) on top of {@code head}. */
    EditChange.Result deleted(CapturedEdit edit, Optional<ObjectId> base, DesiredState head) throws IOException {
        DesiredLibrary lib = new ReadLibraryPanels(writer.repository()).read(head, syncPath);
        Optional<DesiredLibraryPanel> inGit = lib.panel(edit.uid());
        if (inGit.isEmpty()) {
            // Also a library variable, or a panel outside the managed tree: Git holds neither.
            return new EditChange.Nothing("Git does not hold library panel " + edit.uid(), Optional.empty());
        }
        DesiredLibraryPanel p = inGit.get();
        boolean conflict = base.map(b -> !b.equals(p.blobId())).orElse(false);
        return new EditChange.Write(new GitWriter.Change(Map.of(), Set.of(p.path())), p.path(),
                "Delete library panel \"" + p.name() + "\" (" + p.uid() + ") from " + edit.backend(), conflict,
                Optional.empty());
    }

    /** After a push holding the edit, or finding Git holding it already: a later PATCH over its version is made on it. */
    void inGit(CapturedEdit edit, Optional<ObjectId> blob) {
        if (edit.kind() == CapturedEdit.Kind.LIBRARY_PANEL_DELETED) {
            left.remove(key(edit));
        } else if (edit.panel().isPresent() && blob.isPresent()) {
            left.put(key(edit), new Left(edit.panel().get().panel().version(), blob.get()));
        }
    }

    private static String key(CapturedEdit edit) {
        return edit.backend() + "\u0000" + edit.uid();
    }

    private static ObjectId blobId(byte[] content) {
        return new ObjectInserter.Formatter().idFor(Constants.OBJ_BLOB, content);
    }
}
