package io.grafanaha.sync.writeback;

import io.grafanaha.sync.actual.AppliedBlobs;
import io.grafanaha.sync.grafana.DashboardVersion;
import io.grafanaha.sync.grafana.GrafanaClient;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-back's hold on the sync's passes ({@link AppliedBlobs.Hold}): a pass leaves a dashboard or folder alone
 * on a backend while an edit of it there is pending, and hands an edit made outside Git that it is about to overwrite
 * or delete to the write-back instead.
 *
 * <p><b>Threads.</b> Every method runs on the sync's backend threads, several at once (one per backend in a pass),
 * never on the write-back's thread. They touch only what is safe there: the pending edits (a thread-safe
 * {@link Pending} view), the versions already taken ({@link HandledVersions}), the backend's client, and the write-back's
 * mirror through {@code deletedFromGit} (whose fetch is synchronized). {@link #takeEdit} and {@link #takeCreated}
 * call the backend and may fetch Git: they block that backend's pass, never the write-back.
 */
final class PassHold implements AppliedBlobs.Hold {
    private static final Logger LOG = LoggerFactory.getLogger(PassHold.class);

    /** What the write-back holds: whether an edit of {@code uid} on {@code backend} is not in Git yet. */
    @FunctionalInterface
    interface Pending {
        boolean holds(String backend, String uid);
    }

    /** Where an edit the pass found goes ({@link WriteBack#capture}). */
    @FunctionalInterface
    interface Sink {
        void capture(CapturedEdit edit) throws IOException;
    }

    /** Whether Git had a file for the uid and deleted it, at a head fetched now. */
    @FunctionalInterface
    interface DeletedFromGit {
        boolean test(String uid) throws IOException;
    }

    private final Pending pending;
    private final Map<String, GrafanaClient> clients;
    private final Sink sink;
    private final DeletedFromGit deletedFromGit;
    private final BooleanSupplier active;
    private final Clock clock;
    /** The user versions the write-back already has (journaled, or handed over by a pass or polling). */
    private final HandledVersions handled;

    /** @param active whether edits are taken at all (write-back on and not closed) */
    PassHold(Pending pending, Map<String, GrafanaClient> clients, Sink sink, DeletedFromGit deletedFromGit,
            BooleanSupplier active, Clock clock, HandledVersions handled) {
        this.handled = handled;
        this.pending = pending;
        this.clients = clients;
        this.sink = sink;
        this.deletedFromGit = deletedFromGit;
        this.active = active;
        this.clock = clock;
    }

    /** Whether a pass must leave dashboard or folder {@code uid} alone on {@code backend}: an edit there is pending. */
    @Override
    public boolean holds(String backend, String uid) {
        return pending.holds(backend, uid);
    }

    @Override
    public boolean takeEdit(String backend, String uid) {
        return take(backend, uid, false);
    }

    @Override
    public boolean takeCreated(String backend, String uid) {
        return take(backend, uid, true);
    }

    /**
     * A pass is about to create {@code uid} on {@code backend}, which held it (see {@link AppliedBlobs.Hold}): captured
     * as a delete, journaled like one made through the gateway. The write-back then deletes the file in Git, or,
     * when Git's file changed since the backend got it, keeps the delete on a conflict branch and lets the next pass
     * create it again.
     */
    @Override
    public boolean takeDeleted(String backend, String uid) {
        if (!active.getAsBoolean()) {
            return false;
        }
        LOG.info("{}: dashboard {} was deleted there (it held it before); writing the delete back", backend, uid);
        try {
            sink.capture(CapturedEdit.dashboardDeleted(backend, uid, Optional.empty(), clock.instant()));
        } catch (IOException e) {
            // The journal is failing: the delete is held in memory, pending like any other, so it is still taken.
            LOG.warn("{}: the delete of {} is not journaled yet: {}", backend, uid, e.getMessage());
        }
        return true;
    }

    /**
     * A pass is about to overwrite {@code uid} on {@code backend} (or, {@code created}, to delete it because Git holds
     * no such dashboard): captured as a save when the newest version was not written by a sync, so a UI edit is never
     * overwritten or deleted before it is in Git or on a conflict branch; this holds when Git's file changed too
     * (another gateway may have applied that change and the edit was based on it). A version journaled as the body of
     * a save through the gateway is not taken (it is pending, or in Git already). A user version is taken once (twice
     * at worst, when polling takes it at the same moment): when the pass finds the same version again, it may
     * overwrite it once the write-back is done with it (committed or on a conflict branch), not while its edit is
     * still pending (submitted to the journal counts: until the journal thread has written it, the journal alone does
     * not know it). When the backend cannot be asked, the pass leaves the dashboard for now.
     */
    private boolean take(String backend, String uid, boolean created) {
        if (!active.getAsBoolean()) {
            return false;
        }
        try {
            Optional<DashboardVersion> v = clients.get(backend).versions(uid, 1).stream().findFirst();
            if (v.isEmpty() || v.get().writtenBySync()) {
                return false;
            }
            // Grafana shows version 1's message as "Initial save", hiding the stamp: the first version of a dashboard
            // Git holds is the sync creating it (as in polling), and so is one whose file Git deleted since.
            if (v.get().version() == 1 && (!created || deletedFromGit.test(uid))) {
                return false;
            }
            if (handled.has(backend, uid, v.get().version())) {
                // Taken before: overwritten only once the write-back is done with it (in Git or on a conflict
                // branch). Polling or the front door may have taken it after this pass asked whether it was held.
                // Asked after "had": a version is had only once its edit is pending (below), so had and not
                // pending means done.
                return pending.holds(backend, uid);
            }
            sink.capture(CapturedEdit.dashboardSaved(backend, uid, v.get().user(), clock.instant()));
            // Only now, with the edit pending: recorded first, a catch-up reading the backend meanwhile found the
            // version had and not pending, took it for one already in Git and overwrote it (a save lost in the
            // concurrent edits test). Not recorded when the capture failed, so the next pass asks again. Polling and
            // another pass may take the same version meanwhile: the second capture finds Git holding it.
            handled.took(backend, uid, v.get().version());
            return true;
        } catch (IOException | RuntimeException e) {
            // Not knowing whether a user made it, the pass leaves it for now rather than risk losing an edit.
            LOG.warn("{}: dashboard {} differs from Git and cannot be checked for an edit made there ({}); left as "
                    + "it is until the next pass", backend, uid, e.toString());
            return true;
        }
    }
}
