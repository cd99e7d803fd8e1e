package io.grafanaha.sync.writeback;

import io.grafanaha.sync.SyncSettings;
import io.grafanaha.sync.actual.AppliedBlobs;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.git.FetchResult;
import io.grafanaha.sync.git.GitMirror;
import io.grafanaha.sync.grafana.DashboardVersion;
import io.grafanaha.sync.grafana.GrafanaClient;
import io.grafanaha.sync.grafana.SaveMessage;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-back's view of the followed branch, through its own bare mirror ({@code <data-dir>/writeback/mirror}):
 * the head fetched now, the managed tree at a head, and the blob a backend's version of a dashboard was based on.
 *
 * <p>Used on the write-back's thread, and by {@link PassHold} on the sync's backend threads: {@link GitMirror#fetch}
 * is synchronized, JGit's object reads are thread-safe, and the cached tree is one volatile reference.
 */
final class WriteBackMirror implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriteBackMirror.class);
    /** How far back the history is searched for the sync's last version of a dashboard. */
    private static final int HISTORY_DEPTH = 50;

    private final GitMirror mirror;
    private final SyncSettings settings;
    private final Map<String, GrafanaClient> clients;
    private final AppliedBlobs blobs;
    private volatile DesiredState desired;

    WriteBackMirror(GitMirror mirror, SyncSettings settings, Map<String, GrafanaClient> clients, AppliedBlobs blobs) {
        this.mirror = mirror;
        this.settings = settings;
        this.clients = clients;
        this.blobs = blobs;
    }

    GitMirror mirror() {
        return mirror;
    }

    /** The branch head, fetched now. */
    CommitInfo fetchHead() throws IOException {
        FetchResult fetch = mirror.fetch();
        if (fetch instanceof FetchResult.Failed f) {
            throw new IOException(f.error());
        }
        return fetch.head().orElseThrow();
    }

    /** For polling: the managed tree at the branch head, fetched now. */
    Optional<DesiredState> freshState() throws IOException {
        FetchResult fetch = mirror.fetch();
        if (fetch.head().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(read(fetch.head().get()));
    }

    /** The managed tree at {@code head} (the last one read is kept: most edits land on the same head). */
    DesiredState read(CommitInfo head) throws IOException {
        DesiredState cached = desired;
        if (cached != null && cached.commit().equals(head.id())) {
            return cached;
        }
        // Each write-back commit moves the head: only the files that changed since the last read are parsed again.
        DesiredState state = settings.reader(mirror.repository()).setCommit(head.id()).setPrevious(cached).call();
        desired = state;
        return state;
    }

    /** The managed tree at a local commit on top of {@code previous}'s (unchanged files are not parsed again). */
    DesiredState readAt(ObjectId commit, DesiredState previous) throws IOException {
        return settings.reader(mirror.repository()).setCommit(commit).setPrevious(previous).call();
    }

    /**
     * The blob the backend's version of {@code uid} was based on: what the sync last applied there, else (after a
     * restart) the file's blob at the commit of the newest {@code git-sync <sha>} version in the backend's history.
     */
    Optional<ObjectId> baseBlob(String backend, String uid) {
        Optional<ObjectId> known = blobs.applied(backend, uid);
        if (known.isPresent()) {
            return known;
        }
        try {
            for (DashboardVersion v : clients.get(backend).versions(uid, HISTORY_DEPTH)) {
                if (v.writtenBySync()) {
                    return blobAt(v.message(), uid);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.info("{}: cannot tell which Git version dashboard {} was based on: {}", backend, uid, e.toString());
        }
        return Optional.empty();
    }

    private Optional<ObjectId> blobAt(String message, String uid) throws IOException {
        String rest = message.substring(SaveMessage.PREFIX.length());
        String sha = rest.contains(":") ? rest.substring(0, rest.indexOf(':')) : rest;
        if (!sha.matches("[0-9a-f]{4,40}")) {
            return Optional.empty();
        }
        ObjectId commit = mirror.repository().resolve(sha + "^{commit}");
        if (commit == null) {
            return Optional.empty();
        }
        // Files unchanged since the head last read are not parsed again (a large corpus made this a second a call).
        return settings.reader(mirror.repository()).setCommit(commit).setPrevious(desired).call().dashboard(uid).map(d -> d.source().blobId());
    }

    @Override
    public void close() {
        mirror.close();
    }
}
