package io.grafanaha.sync.writeback;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.actual.AppliedBlobs;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.grafana.BackendDashboard;
import io.grafanaha.sync.grafana.DashboardVersion;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.GrafanaClient;
import io.grafanaha.sync.grafana.SaveMessage;
import io.grafanaha.sync.json.CanonicalJson;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers "is backend B behind on dashboard U, and with what content", and brings B up to it on demand. For about a
 * second after a failover the new instance lacks the last saves acknowledged on the old one: they are in the journal,
 * or just committed, and the sync's fan-out has not reached it. A user who loaded such a version and saves it there
 * would get a 412 nobody else caused. When the content that user started from is the newest one acknowledged, the
 * gateway applies that one dashboard to B first, as the sync would and stamped as the sync's
 * ({@code git-sync ...}, so it is never written back as a user's edit: see {@link EditHistory} and
 * {@link EditChange.Based#WRITTEN_BY_SYNC}), then lets the save through its usual checks.
 *
 * <p>What counts as acknowledged, newest first: a save of U made on another backend and pending in the journal (its
 * body is what it saved); else, when Git's head for U is a blob the write-back just committed from such a save and B is
 * not known to hold it, that save. B is never brought up over content of its own that is not in Git: an edit of U on
 * B pending in the journal, or a newest version there that neither the sync wrote nor the write-back already has
 * (someone else's edit made straight on B): that is a real conflict, and the save gets its 412.
 *
 * <p><b>Threads.</b> {@link #behind} is in memory and never blocks (any thread, event loops included: it never takes
 * the journal's lock, held through an fsync); {@link #bringUp} calls the backend and must run off the event loops
 * (the gateway's sync read threads). {@link #landed} runs on the write-back's thread.
 */
public final class CatchUp {
    private static final Logger LOG = LoggerFactory.getLogger(CatchUp.class);
    /** Committed saves remembered for the Git-head case: the fan-out reaches every backend long before this many more. */
    static final int LANDED_KEPT = 1024;

    /** Content a backend is behind on. */
    public sealed interface Behind {
        String uid();

        /** The dashboard as the save that was acknowledged saved it ({@code id} and {@code version} its backend's). */
        ObjectNode dashboard();

        String folderUid();

        /** The save's journal record, pending: the backend that acknowledged it and its journal id. */
        record Pending(String uid, ObjectNode dashboard, String folderUid, String savedOn, long journalId)
                implements Behind {}

        /** Git's head for the uid, committed by the write-back from a save: its blob and commit. */
        record InGit(String uid, ObjectNode dashboard, String folderUid, ObjectId blob, CommitInfo commit)
                implements Behind {}
    }

    /** A committed save: its blob, what it saved, its commit, and its journal id (0 when not known). */
    private record Landed(ObjectId blob, EditBody body, CommitInfo commit, long journalId) {}

    private final Journal journal;
    private final AppliedBlobs blobs;
    private final Map<String, GrafanaClient> clients;
    private final PassHold.Pending pending;
    private final HandledVersions handled;
    /** backend \0 uid → the journal id of the newest pending save the backend was brought up to. */
    private final Map<String, Long> caughtUp = new ConcurrentHashMap<>();
    /** uid → the save last committed for it; guarded by its own monitor. */
    private final LinkedHashMap<String, Landed> landed = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Landed> eldest) {
            return size() > LANDED_KEPT;
        }
    };

    CatchUp(Journal journal, AppliedBlobs blobs, Map<String, GrafanaClient> clients, PassHold.Pending pending,
            HandledVersions handled) {
        this.journal = journal;
        this.blobs = blobs;
        this.clients = clients;
        this.pending = pending;
        this.handled = handled;
    }

    /**
     * The newest acknowledged content of {@code uid} that {@code backend} is not known to hold; empty when it holds it
     * as far as the gateway knows, when an edit of its own is pending, or when the newest pending edit elsewhere is
     * not a save whose content the journal has (a delete, a save found by polling). In memory; never blocks.
     */
    public Optional<Behind> behind(String backend, String uid) {
        if (pending.holds(backend, uid)) {
            return Optional.empty();
        }
        Optional<Journal.Entry> newest = journal.newestElsewhere(uid, backend);
        if (newest.isPresent() && newest.get().id() > caughtUpTo(backend, uid)) {
            CapturedEdit edit = newest.get().edit();
            return edit.kind() == CapturedEdit.Kind.DASHBOARD_SAVED && edit.body().isPresent()
                    ? Optional.of(new Behind.Pending(uid, edit.body().get().dashboard(), edit.body().get().folderUid(),
                            edit.backend(), newest.get().id()))
                    : Optional.empty();
        }
        if (newest.isPresent()) {
            return Optional.empty(); // brought up to the newest pending save; Git's head is older than it
        }
        Optional<ObjectId> head = blobs.head(uid);
        if (head.isEmpty() || head.equals(blobs.applied(backend, uid))) {
            return Optional.empty();
        }
        Landed last;
        synchronized (landed) {
            last = landed.get(uid);
        }
        return last != null && last.blob().equals(head.get())
                ? Optional.of(new Behind.InGit(uid, last.body().dashboard(), last.body().folderUid(), last.blob(),
                        last.commit()))
                : Optional.empty();
    }

    /**
     * Applies {@code behind} to {@code backend} when it is safe: no edit of the dashboard there pending, and its newest
     * version written by the sync or already had by the write-back. The save is conditional on the version read, so a
     * save that lands there meanwhile is never overwritten. Returns whether the backend now holds that content.
     *
     * @throws GrafanaApiException when the backend cannot be read or written (other than a 412: then false)
     */
    public boolean bringUp(String backend, Behind behind) throws GrafanaApiException {
        String uid = behind.uid();
        GrafanaClient client = clients.get(backend);
        if (client == null || pending.holds(backend, uid)) {
            return false;
        }
        long ticket = blobs.ticket();
        Optional<BackendDashboard> current = client.dashboard(uid);
        if (current.isEmpty()) {
            return false; // not there at all: the sync creates it; nothing to translate to
        }
        if (!CanonicalJson.same(withUid(current.get().json(), uid), withUid(behind.dashboard(), uid))) {
            Optional<DashboardVersion> newest = client.versions(uid, 1).stream().findFirst();
            if (newest.isEmpty() || newest.get().version() != current.get().version()) {
                return false; // changed while it was read: decide on the next save
            }
            if (!bySyncOrHad(backend, uid, newest.get())) {
                LOG.info("{}: dashboard {} not brought up to the save acknowledged elsewhere: its version {} is an "
                        + "edit made there that the write-back does not have", backend, uid, newest.get().version());
                return false;
            }
            if (pending.holds(backend, uid)) {
                // Asked again after "had": a pass may have taken that version while it was read here, after the
                // first look. Had and pending is an edit not in Git yet; had and not pending, one done with.
                return false;
            }
            try {
                client.saveDashboard(withUid(behind.dashboard(), uid), behind.folderUid(), message(behind),
                        current.get().version());
            } catch (GrafanaApiException e) {
                if (e.status() == 412) {
                    return false;
                }
                throw e;
            }
            LOG.info("{}: dashboard {} brought up to {} before a load or save there", backend, uid, describe(behind));
        }
        if (behind instanceof Behind.Pending p) {
            caughtUp.merge(backend + "\u0000" + uid, p.journalId(), Math::max);
            committedMeanwhile(backend, p, ticket);
        } else if (behind instanceof Behind.InGit g) {
            blobs.recordApplied(backend, uid, g.blob(), ticket);
        }
        return true;
    }

    /**
     * The save {@code backend} was just brought up to may have been committed while it was (seen at a failback: the
     * save was committed in the same millisecond): {@link #landed} then ran before {@code backend} counted as
     * brought up to it, and recorded nothing for it; the guard would refuse the next save there for lacking Git's
     * head, which it holds. Recorded here in that case. {@link #landed} records the save before the journal marks it
     * done, and reads {@link #caughtUp} after: one of the two sees the other.
     */
    private void committedMeanwhile(String backend, Behind.Pending p, long ticket) {
        if (journal.isPending(p.journalId())) {
            return; // landed() will see this backend brought up to it
        }
        Landed last;
        synchronized (landed) {
            last = landed.get(p.uid());
        }
        if (last != null && last.journalId() == p.journalId() && blobs.head(p.uid()).equals(Optional.of(last.blob()))) {
            blobs.recordApplied(backend, p.uid(), last.blob(), ticket);
        }
    }

    /**
     * Whether overwriting {@code newest} loses nothing: the sync wrote it, or the write-back already has it (in Git or
     * on a conflict branch, as it is not pending). Grafana shows version 1's message as "Initial save", hiding the
     * stamp: the first version of a dashboard Git holds is the sync creating it (as in polling and the pass hold).
     */
    private boolean bySyncOrHad(String backend, String uid, DashboardVersion newest) {
        return newest.writtenBySync() || handled.has(backend, uid, newest.version())
                || newest.version() == 1 && blobs.held(backend, uid).or(() -> blobs.head(uid)).isPresent();
    }

    /**
     * Whether a sync pass must leave {@code uid} alone on {@code backend}: it was brought up to a save still pending in
     * the journal, newer than Git's head, and a pass would set it back to that head (seen in the failover bench: the
     * users' next saves there then started from the older content). Once the save is committed the pass finds the
     * backend holding Git's content; when it goes to a conflict branch instead, the pass gives the backend Git's.
     */
    public boolean holds(String backend, String uid) {
        long id = caughtUpTo(backend, uid);
        return id > 0 && journal.isPending(id);
    }

    /** The journal id of the newest pending save {@code backend} was brought up to; 0 for none. */
    long caughtUpTo(String backend, String uid) {
        return caughtUp.getOrDefault(backend + "\u0000" + uid, 0L);
    }

    /**
     * The write-back committed {@code edit}, a save of {@code uid} with what it saved, as {@code blob} in
     * {@code commit}; called before the edit is marked done in the journal. A backend brought up to this save (or a
     * later one) holds Git's new head now, or a newer save on top of it: recorded as holding that blob, or the guard
     * would refuse its saves until the sync's fan-out, which leaves it alone while its own edits are pending. Not when
     * Git's head has moved past that blob already: a later commit pushed with it (that backend's own save on top, say)
     * recorded what the backend holds, and this older blob would make it look as if it lacked its own save.
     */
    void landed(CapturedEdit edit, ObjectId blob, CommitInfo commit) {
        String uid = edit.uid();
        long journalId = journal.idOf(edit).orElse(0L);
        synchronized (landed) {
            landed.remove(uid);
            landed.put(uid, new Landed(blob.copy(), edit.body().orElseThrow(), commit, journalId));
        }
        if (!blobs.head(uid).equals(Optional.of(blob))) {
            return;
        }
        if (journalId > 0) {
            clients.keySet().forEach(backend -> {
                if (!backend.equals(edit.backend()) && caughtUpTo(backend, uid) >= journalId) {
                    blobs.recordApplied(backend, uid, blob, blobs.ticket());
                }
            });
        }
    }

    /**
     * The sync's stamp: the commit for content in Git; for a save not in Git yet a {@code git-sync catch-up: ...}
     * message, which names no commit (so no base blob is read from it after a restart: unknown, never a wrong one).
     */
    private static String message(Behind behind) {
        if (behind instanceof Behind.InGit g) {
            return SaveMessage.of(g.commit());
        }
        Behind.Pending p = (Behind.Pending) behind;
        String message = SaveMessage.PREFIX + "catch-up: save of " + p.uid() + " acknowledged on " + p.savedOn()
                + ", not in Git yet";
        return message.length() <= SaveMessage.MAX_LENGTH ? message : message.substring(0, SaveMessage.MAX_LENGTH);
    }

    private static String describe(Behind behind) {
        return behind instanceof Behind.Pending p ? "the save acknowledged on " + p.savedOn() + " (journal " + p.journalId() + ")"
                : "Git's " + ((Behind.InGit) behind).commit().shortName();
    }

    private static ObjectNode withUid(ObjectNode dashboard, String uid) {
        ObjectNode copy = dashboard.deepCopy();
        copy.put("uid", uid);
        return copy;
    }
}
