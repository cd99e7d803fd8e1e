package io.grafanaha.sync;

import io.grafanaha.sync.desired.DesiredDashboard;
import io.grafanaha.sync.desired.DesiredState;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.lib.ObjectId;

/**
 * Per backend and dashboard uid: the Git blob whose content the backend holds, as far as this process knows; and per
 * uid the blob of the file at the Git head last read. In memory only, filled by the sync's passes and by the
 * write-back, so it is empty after a restart until the first pass.
 *
 * <p>The write-back uses it to tell a user's edit from a conflict (the blob the edit was based on) and to answer
 * {@code wouldLoseUpdate}. The sync asks it, through the {@link Hold}, which dashboards not to overwrite on a
 * backend because an edit captured there has not reached Git yet.
 */
public final class AppliedBlobs {
    /** Decides which dashboards a pass must leave alone on a backend. */
    @FunctionalInterface
    public interface Hold {
        /** Whether the pass must not create, update, move or delete dashboard or folder {@code uid} there. */
        boolean holds(String backend, String uid);

        /**
         * A pass is about to update {@code uid} on {@code backend}, which may hold an edit made there that is not in
         * Git yet (whether or not Git's file changed since this process applied it: another gateway may have).
         * Return true to take the edit (the pass then leaves the dashboard alone), false to let the pass overwrite
         * it. Called on the sync's threads; may call the backend.
         */
        default boolean takeEdit(String backend, String uid) {
            return false;
        }
    }

    private final Map<String, Map<String, ObjectId>> applied = new ConcurrentHashMap<>();
    private volatile Map<String, ObjectId> head = Map.of();
    private volatile Hold hold = (backend, uid) -> false;

    /** The blob last applied to (or written back from) {@code backend} for {@code uid}; empty when unknown. */
    public Optional<ObjectId> applied(String backend, String uid) {
        return Optional.ofNullable(applied.getOrDefault(backend, Map.of()).get(uid));
    }

    /** The blob of {@code uid}'s file at the head last read; empty when Git has no such dashboard (or no head yet). */
    public Optional<ObjectId> head(String uid) {
        return Optional.ofNullable(head.get(uid));
    }

    /** Records that {@code backend} now holds the content of {@code blob} for {@code uid}. */
    public void recordApplied(String backend, String uid, ObjectId blob) {
        applied.computeIfAbsent(backend, b -> new ConcurrentHashMap<>()).put(uid, blob.copy());
    }

    /** Records that {@code backend} no longer holds {@code uid}. */
    public void recordRemoved(String backend, String uid) {
        applied.getOrDefault(backend, Map.of()).remove(uid);
    }

    /** Records the dashboards of a newly read head. */
    public void headRead(DesiredState state) {
        Map<String, ObjectId> m = new ConcurrentHashMap<>();
        for (DesiredDashboard d : state.dashboards()) {
            m.put(d.uid(), d.source().blobId());
        }
        head = m;
    }

    /** Records one file of a head this process pushed itself, before the next pass reads it. */
    public void headChanged(String uid, Optional<ObjectId> blob) {
        Map<String, ObjectId> m = new ConcurrentHashMap<>(head);
        blob.ifPresentOrElse(b -> m.put(uid, b.copy()), () -> m.remove(uid));
        head = m;
    }

    /** Installs the write-back's hold (one at a time; the last one wins). */
    public void setHold(Hold value) {
        this.hold = Objects.requireNonNull(value, "hold");
    }

    /** See {@link Hold#takeEdit}. */
    public boolean takeEdit(String backend, String uid) {
        return hold.takeEdit(backend, uid);
    }

    /** Whether a pass must leave {@code uid} alone on {@code backend}. */
    public boolean holds(String backend, String uid) {
        return hold.holds(backend, uid);
    }
}
