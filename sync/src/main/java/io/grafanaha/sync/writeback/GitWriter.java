package io.grafanaha.sync.writeback;

import io.grafanaha.sync.git.GitTransports;
import io.grafanaha.sync.git.GitMirror;
import java.io.IOException;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilter;

/**
 * Makes commits in the write-back's bare mirror and pushes them as compare-and-swap: a ref is only moved from the
 * id this process last saw, never forced, so a concurrent writer's commit is never overwritten.
 */
final class GitWriter {
    /** Files to write (path → bytes) and paths to delete (a file, or with a final {@code /} a whole directory). */
    record Change(Map<String, byte[]> writes, Set<String> deletes) {}

    /** How a push ended. */
    enum Pushed { OK, REJECTED }

    /** The reasons receive-pack servers (JGit, C Git) give when another push moved or locked the ref at that moment. */
    private static final List<String> LOST_RACE = List.of("invalid old id sent", "failed to lock", "lock error",
            "cannot lock ref", "failed to update ref");

    /** Where conflicting edits go: {@code refs/heads/gateway/conflicts/<uid>-<time>}. */
    static final String CONFLICTS = "gateway/conflicts/";

    private final GitMirror mirror;
    private final Duration timeout;

    GitWriter(GitMirror mirror, Duration timeout) {
        this.mirror = mirror;
        this.timeout = timeout;
    }

    Repository repository() {
        return mirror.repository();
    }

    /** The bytes of {@code path} at {@code commit}, if it is a file there. */
    Optional<byte[]> read(ObjectId commit, String path) throws IOException {
        Repository repo = repository();
        try (RevWalk rw = new RevWalk(repo);
                TreeWalk tw = TreeWalk.forPath(repo, path, rw.parseCommit(commit).getTree())) {
            if (tw == null || tw.isSubtree()) {
                return Optional.empty();
            }
            return Optional.of(repo.open(tw.getObjectId(0)).getBytes());
        }
    }

    /**
     * Whether {@code file} is the only file (sub-directories included) of its directory at {@code commit}: removing
     * it would remove the directory, which Git does not keep empty. False for a file at the repository's top.
     */
    boolean lastFileIn(ObjectId commit, String file) throws IOException {
        int slash = file.lastIndexOf('/');
        if (slash < 0) {
            return false;
        }
        Repository repo = repository();
        try (RevWalk rw = new RevWalk(repo); TreeWalk tw = new TreeWalk(repo)) {
            tw.addTree(rw.parseCommit(commit).getTree());
            tw.setRecursive(true);
            tw.setFilter(PathFilter.create(file.substring(0, slash)));
            while (tw.next()) {
                if (!tw.getPathString().equals(file)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The blob id {@code bytes} would have. */
    static ObjectId blobId(byte[] bytes) {
        try (ObjectInserter.Formatter f = new ObjectInserter.Formatter()) {
            return f.idFor(Constants.OBJ_BLOB, bytes);
        }
    }

    /** A commit applying {@code change} on top of {@code parent}; empty when the tree would not change. */
    Optional<ObjectId> commit(ObjectId parent, Change change, PersonIdent author, PersonIdent committer,
            String message) throws IOException {
        Repository repo = repository();
        try (ObjectInserter ins = repo.newObjectInserter(); ObjectReader reader = repo.newObjectReader();
                RevWalk rw = new RevWalk(reader)) {
            RevCommit base = rw.parseCommit(parent);
            DirCache index = DirCache.newInCore();
            DirCacheBuilder builder = index.builder();
            builder.addTree(new byte[0], DirCacheEntry.STAGE_0, reader, base.getTree());
            builder.finish();
            DirCacheEditor editor = index.editor();
            for (String path : change.deletes()) {
                editor.add(path.endsWith("/") ? new DirCacheEditor.DeleteTree(path.substring(0, path.length() - 1))
                        : new DirCacheEditor.DeletePath(path));
            }
            for (Map.Entry<String, byte[]> w : change.writes().entrySet()) {
                ObjectId blob = ins.insert(Constants.OBJ_BLOB, w.getValue());
                editor.add(new DirCacheEditor.PathEdit(w.getKey()) {
                    @Override
                    public void apply(DirCacheEntry ent) {
                        ent.setFileMode(FileMode.REGULAR_FILE);
                        ent.setObjectId(blob);
                    }
                });
            }
            editor.finish();
            ObjectId tree = index.writeTree(ins);
            if (tree.equals(base.getTree())) {
                return Optional.empty();
            }
            CommitBuilder cb = new CommitBuilder();
            cb.setTreeId(tree);
            cb.setParentId(base);
            cb.setAuthor(author);
            cb.setCommitter(committer);
            cb.setMessage(message);
            ObjectId id = ins.insert(cb);
            ins.flush();
            return Optional.of(id);
        }
    }

    /**
     * Moves {@code ref} on the remote from {@code expectedOld} ({@link ObjectId#zeroId()}: the ref must not exist) to
     * {@code commit}, without force. REJECTED means someone else moved it first.
     *
     * @throws IOException when the remote cannot be reached or refuses for another reason
     */
    Pushed push(String ref, ObjectId commit, ObjectId expectedOld) throws IOException {
        Repository repo = repository();
        try (Transport transport = Transport.open(repo, new URIish(mirror.source().repository()))) {
            transport.setTimeout((int) Math.max(1, timeout.toSeconds()));
            GitTransports.configure(transport, mirror.source().credentials(), mirror.transportDir());
            RemoteRefUpdate update = new RemoteRefUpdate(repo, commit.name(), ref, false, null, expectedOld);
            PushResult result = transport.push(NullProgressMonitor.INSTANCE, List.of(update));
            RemoteRefUpdate.Status status = result.getRemoteUpdate(ref).getStatus();
            String why = Optional.ofNullable(result.getRemoteUpdate(ref).getMessage()).orElse("");
            // Another writer's push to the same ref at the same moment, as a receive-pack server reports it: the ref
            // moved from the id this push expected, or the other push held its lock.
            if (status == RemoteRefUpdate.Status.REJECTED_OTHER_REASON && LOST_RACE.stream().anyMatch(why::contains)) {
                return Pushed.REJECTED;
            }
            return switch (status) {
                case OK, UP_TO_DATE -> Pushed.OK;
                case REJECTED_NONFASTFORWARD, REJECTED_REMOTE_CHANGED -> Pushed.REJECTED;
                default -> throw new IOException("push of " + ref + " to " + mirror.source().displayUrl()
                        + " refused: " + status + Optional.ofNullable(result.getRemoteUpdate(ref).getMessage())
                                .map(m -> " (" + m + ")").orElse(""));
            };
        } catch (URISyntaxException e) {
            throw new IOException("sync.repository " + mirror.source().displayUrl() + " is not a URL: "
                    + e.getMessage(), e);
        } catch (TransportException | RuntimeException e) {
            throw new IOException("cannot push to " + mirror.source().displayUrl() + GitMirror.withKey(mirror.source())
                    + ": " + GitMirror.rootMessage(mirror.source(), e), e);
        }
    }

    /**
     * The remote's {@code gateway/conflicts/<uid>-*} branches, fetched now into {@code refs/gateway/conflicts/} of the
     * mirror (another gateway may have created them).
     *
     * @throws IOException when the remote cannot be reached
     */
    List<Ref> conflictBranches(String uid) throws IOException {
        Repository repo = repository();
        try (Transport transport = Transport.open(repo, new URIish(mirror.source().repository()))) {
            transport.setTimeout((int) Math.max(1, timeout.toSeconds()));
            GitTransports.configure(transport, mirror.source().credentials(), mirror.transportDir());
            transport.setRemoveDeletedRefs(true);
            transport.fetch(NullProgressMonitor.INSTANCE,
                    List.of(new RefSpec("+refs/heads/" + CONFLICTS + "*:refs/" + CONFLICTS + "*")));
        } catch (URISyntaxException e) {
            throw new IOException("sync.repository " + mirror.source().displayUrl() + " is not a URL: "
                    + e.getMessage(), e);
        } catch (TransportException | RuntimeException e) {
            throw new IOException("cannot fetch conflict branches from " + mirror.source().displayUrl()
                    + GitMirror.withKey(mirror.source()) + ": " + GitMirror.rootMessage(mirror.source(), e), e);
        }
        return repo.getRefDatabase().getRefsByPrefix("refs/" + CONFLICTS + uid + "-");
    }

    /** After a successful push of the followed branch: the mirror holds it at once, without a fetch. */
    void advanceBranch(ObjectId commit) throws IOException {
        RefUpdate u = repository().updateRef(mirror.source().ref());
        u.setNewObjectId(commit);
        u.setForceUpdate(true);
        u.disableRefLog();
        u.update();
    }
}
