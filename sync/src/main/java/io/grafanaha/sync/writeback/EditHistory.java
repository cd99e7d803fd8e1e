package io.grafanaha.sync.writeback;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.desired.ReadDesiredState;
import io.grafanaha.sync.grafana.DashboardVersion;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.GrafanaClient;
import io.grafanaha.sync.json.CanonicalJson;
import io.grafanaha.sync.writeback.EditChange.Based;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.AndTreeFilter;
import org.eclipse.jgit.treewalk.filter.PathFilter;
import org.eclipse.jgit.treewalk.filter.TreeFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The facts the conflict rule needs, read from what every gateway on the repository shares: the backend's own version
 * history, Git's history of the file and the conflict branches. One gateway's memory of what it applied cannot answer
 * them when another gateway applied or wrote back the change in between.
 */
final class EditHistory implements EditChange.Ancestry {
    private static final Logger LOG = LoggerFactory.getLogger(EditHistory.class);
    /** Versions of the backend's history looked at; Grafana keeps 20 by default ({@code versions_to_keep}). */
    static final int VERSION_DEPTH = 20;
    /** Commits that changed the file looked at when asking whether a content was committed before. */
    static final int COMMIT_DEPTH = 100;

    private final Map<String, GrafanaClient> clients;
    private final GitWriter writer;
    private final String syncPath;
    /**
     * Version JSON read while one edit is processed (backend, uid, version → data): a push that loses a race is
     * re-applied on the new head, and the versions read for the previous attempt have not changed. Cleared for each
     * edit ({@link #forget}): a dashboard deleted and created again restarts its version numbers.
     */
    private final Map<String, Optional<ObjectNode>> versions = new ConcurrentHashMap<>();

    EditHistory(Map<String, GrafanaClient> clients, GitWriter writer, String syncPath) {
        this.clients = clients;
        this.writer = writer;
        this.syncPath = syncPath;
    }

    /**
     * Walks the backend's versions newest first. A user's version after {@code currentVersion} holding Git's content,
     * with no version the sync wrote in between, means the backend itself moved on past this version to what Git
     * holds: {@link Based#BEHIND}. A version before it
     * holding Git's content means the edit was made on top of Git's: {@link Based#ON_GIT}. A version the sync wrote
     * with other content, the start of the history or {@value #VERSION_DEPTH} versions without Git's content mean it
     * was made on top of something else: {@link Based#ON_OTHER} (at worst a conflict branch, never an overwrite). No
     * history at all (the backend lost the dashboard): {@link Based#UNKNOWN}. {@code currentVersion} itself written by
     * the sync (Git's content, not a user's): {@link Based#WRITTEN_BY_SYNC}.
     *
     * @throws GrafanaApiException when the history cannot be read (the edit is tried again later)
     */
    @Override
    public Based based(String backend, String uid, int currentVersion, ObjectNode gitJson)
            throws GrafanaApiException {
        GrafanaClient client = clients.get(backend);
        int older = 0;
        List<DashboardVersion> history = client.versions(uid, VERSION_DEPTH + 1);
        if (history.isEmpty()) {
            return Based.UNKNOWN;
        }
        // The first version after this one that the sync wrote: from there on the backend held Git's content (or a
        // save acknowledged elsewhere), not this version, and a user's save made from there on was not made on top of
        // it.
        int overwritten = history.stream().filter(v -> v.version() > currentVersion && v.writtenBySync())
                .mapToInt(DashboardVersion::version).min().orElse(Integer.MAX_VALUE);
        for (DashboardVersion v : history) {
            if (v.version() == currentVersion) {
                if (v.writtenBySync()) {
                    // Read back after a pass wrote Git's content over the save: older than Git's head, or it would
                    // equal it. Taking it for a user's edit on top of the save before it re-commits old content.
                    return Based.WRITTEN_BY_SYNC;
                }
                continue;
            }
            Optional<ObjectNode> data = versionData(backend, client, uid, v.version());
            boolean holdsGit = data.isPresent() && same(data.get(), uid, gitJson);
            if (v.version() > currentVersion) {
                if (holdsGit) {
                    // A later save there is what Git holds: this version was a step on the way, unless the sync
                    // wrote that save, or wrote over this version before it (a catch-up or a pass: the save was made
                    // on the sync's content, seen in the concurrent edits test). Then this version may be nowhere
                    // else: keep it if Git does not.
                    return v.version() >= overwritten ? Based.ON_OTHER : Based.BEHIND;
                }
                continue;
            }
            if (holdsGit) {
                return Based.ON_GIT;
            }
            // Version 1's message is shown as "Initial save", so a sync-created first version is not recognised
            // by its stamp; it is the end of the history anyway.
            if (v.writtenBySync() || ++older == VERSION_DEPTH) {
                return Based.ON_OTHER;
            }
        }
        return Based.ON_OTHER;
    }

    /** Forgets the version JSON read for the previous edit. */
    void forget() {
        versions.clear();
    }

    private Optional<ObjectNode> versionData(String backend, GrafanaClient client, String uid, int version)
            throws GrafanaApiException {
        String key = backend + "\u0000" + uid + "\u0000" + version;
        Optional<ObjectNode> known = versions.get(key);
        if (known == null) {
            known = client.versionData(uid, version);
            versions.put(key, known);
        }
        return known;
    }

    /**
     * Where Git already keeps {@code userJson} for this dashboard: in one of the last {@value #COMMIT_DEPTH} commits
     * that changed {@code path} on the branch, or at the tip of a {@code gateway/conflicts/<uid>-*} branch.
     */
    @Override
    public Optional<String> keptAt(String uid, String path, ObjectNode userJson, ObjectId head) throws IOException {
        Repository repo = writer.repository();
        Set<ObjectId> seen = new HashSet<>();
        try (RevWalk walk = new RevWalk(repo)) {
            walk.markStart(walk.parseCommit(head));
            walk.setTreeFilter(AndTreeFilter.create(PathFilter.create(path), TreeFilter.ANY_DIFF));
            int n = 0;
            for (RevCommit c : walk) {
                if (++n > COMMIT_DEPTH) {
                    break;
                }
                if (holds(repo, c, path, uid, userJson, seen)) {
                    return Optional.of("commit " + c.abbreviate(7).name());
                }
            }
        }
        for (Ref ref : writer.conflictBranches(uid)) {
            try (RevWalk walk = new RevWalk(repo)) {
                if (holds(repo, walk.parseCommit(ref.getObjectId()), path, uid, userJson, seen)) {
                    return Optional.of("branch " + ref.getName().substring(ref.getName().indexOf("gateway/")));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The commit that deleted a file holding dashboard {@code uid} under {@code sync.path}, among the last
     * {@value #COMMIT_DEPTH} commits that changed something there: Git had it once and removed it.
     */
    @Override
    public Optional<String> deletedIn(String uid, ObjectId head) throws IOException {
        Repository repo = writer.repository();
        try (RevWalk walk = new RevWalk(repo)) {
            walk.markStart(walk.parseCommit(head));
            TreeFilter under = syncPath.isEmpty() ? TreeFilter.ALL : PathFilter.create(syncPath);
            walk.setTreeFilter(AndTreeFilter.create(under, TreeFilter.ANY_DIFF));
            int n = 0;
            for (RevCommit c : walk) {
                if (++n > COMMIT_DEPTH || c.getParentCount() == 0) {
                    break;
                }
                try (TreeWalk tw = new TreeWalk(repo)) {
                    tw.setRecursive(true);
                    tw.setFilter(AndTreeFilter.create(under, TreeFilter.ANY_DIFF));
                    tw.addTree(walk.parseCommit(c.getParent(0)).getTree());
                    tw.addTree(c.getTree());
                    while (tw.next()) {
                        if (tw.getFileMode(1) == FileMode.MISSING && ReadDesiredState.parseDashboard(tw.getPathString(),
                                repo.open(tw.getObjectId(0)).getBytes()).filter(j -> uid.equals(j.path("uid")
                                        .asText())).isPresent()) {
                            return Optional.of(c.abbreviate(7).name());
                        }
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static boolean holds(Repository repo, RevCommit c, String path, String uid, ObjectNode userJson,
            Set<ObjectId> seen) throws IOException {
        try (TreeWalk tw = TreeWalk.forPath(repo, path, c.getTree())) {
            if (tw == null || tw.isSubtree() || !seen.add(tw.getObjectId(0))) {
                return false;
            }
            return ReadDesiredState.parseDashboard(path, repo.open(tw.getObjectId(0)).getBytes())
                    .filter(json -> same(json, uid, userJson)).isPresent();
        }
    }

    /** Whether {@code dashboard}, given {@code uid}, holds the content of {@code other} (which carries its uid). */
    private static boolean same(ObjectNode dashboard, String uid, ObjectNode other) {
        ObjectNode json = dashboard.deepCopy();
        json.put("uid", uid);
        return CanonicalJson.same(json, other);
    }
}
