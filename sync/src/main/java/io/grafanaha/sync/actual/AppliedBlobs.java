package io.grafanaha.sync.actual;

import io.grafanaha.sync.desired.DesiredDashboard;
import io.grafanaha.sync.desired.DesiredState;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per backend and dashboard uid: the Git blob whose content the backend holds, as far as this process knows; and per
 * uid the blob of the file at the Git head last read. In memory only, filled by the sync's passes and by the
 * write-back, so it is empty after a restart until the first pass. Beside it, which of Git's blobs a pass found or made
 * each backend hold ({@link #held}) is kept on disk ({@link AppliedBlobsFile}), so that a dashboard missing from a
 * backend that held Git's very version of it, also before a restart, is recognised as deleted there, not as never
 * received.
 *
 * <p>The write-back uses it to tell a user's edit from a conflict (the blob the edit was based on) and to answer
 * {@code wouldLoseUpdate}. The sync asks it, through the {@link Hold}, which dashboards not to overwrite on a
 * backend because an edit captured there has not reached Git yet.
 */
public final class AppliedBlobs {
    private static final Logger LOG = LoggerFactory.getLogger(AppliedBlobs.class);
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

        /**
         * A pass is about to delete {@code uid} on {@code backend} because Git holds no such dashboard: it may be
         * one a user created there, straight on Grafana, that has not reached Git yet. Return true to take it as an
         * edit (the pass then leaves it alone). Called on the sync's threads; may call the backend.
         */
        default boolean takeCreated(String backend, String uid) {
            return false;
        }

        /**
         * A pass is about to create {@code uid} on {@code backend}, which held it before (as far as this process,
         * or the one before a restart, knows): someone deleted it there. Return true to take the delete as an edit
         * (the pass then leaves it deleted). Called on the sync's threads.
         */
        default boolean takeDeleted(String backend, String uid) {
            return false;
        }
    }

    /** A blob seen at a {@link #ticket()}; {@code blob} null: seen absent. */
    private record Seen(ObjectId blob, long ticket) {}

    private final AtomicLong tickets = new AtomicLong();
    private final Map<String, Map<String, Seen>> applied = new ConcurrentHashMap<>();
    private final Map<String, Seen> head = new ConcurrentHashMap<>();
    private volatile Hold hold = (backend, uid) -> false;
    /** backend → uid → the blob a pass found or made it hold; persisted. */
    private final Map<String, Map<String, ObjectId>> held = new ConcurrentHashMap<>();
    private final Optional<AppliedBlobsFile> file;
    private final AtomicBoolean dirty = new AtomicBoolean();
    /** Held while a commit records the head and the backend that made it together, and while both are read. */
    private final Object headAndApplied = new Object();
    private final Object persisting = new Object();

    /** In memory only (tests, and a sync without a data directory to keep it in). */
    public AppliedBlobs() {
        this.file = Optional.empty();
    }

    /** Loads which blob each backend was last seen holding from {@code file}, and keeps it there ({@link #persist()}). */
    public AppliedBlobs(AppliedBlobsFile file) {
        this.file = Optional.of(file);
        file.load().forEach((backend, byUid) -> held.put(backend, new ConcurrentHashMap<>(byUid)));
    }

    /**
     * Writes {@link #held} to the file when it changed since the last write; a failure is logged and tried again at
     * the next call. Called after each backend's pass and each run of write-back commits, on their threads.
     */
    public void persist() {
        if (file.isEmpty() || !dirty.getAndSet(false)) {
            return;
        }
        synchronized (persisting) {
            Map<String, Map<String, ObjectId>> snapshot = new HashMap<>();
            held.forEach((backend, byUid) -> snapshot.put(backend, Map.copyOf(byUid)));
            try {
                file.get().save(snapshot);
            } catch (IOException e) {
                dirty.set(true);
                LOG.warn("cannot write {}: {}; a dashboard deleted on a backend while no gateway runs may be created "
                        + "again", file.get().file(), e.toString());
            }
        }
    }

    /**
     * Records that a pass found or made {@code backend} hold Git's {@code blob} for {@code uid} (kept across restarts,
     * unlike {@link #recordApplied}, which also takes what the write-back committed from an edit the backend may have
     * lost since).
     */
    public void recordHeld(String backend, String uid, ObjectId blob) {
        ObjectId before = held.computeIfAbsent(backend, b -> new ConcurrentHashMap<>()).put(uid, blob.copy());
        if (!blob.equals(before)) {
            dirty.set(true); // after the change, so that a persist() clearing the flag has seen it
        }
    }

    /**
     * Forgets what {@code backend} held for {@code uids} (all of them when null): it lost them as a wiped instance
     * does, so their absence later is no one's delete.
     */
    public void forgetHeld(String backend, Collection<String> uids) {
        Map<String, ObjectId> byUid = held.get(backend);
        if (byUid != null && (uids == null ? !byUid.isEmpty() : byUid.keySet().removeAll(uids))) {
            if (uids == null) {
                byUid.clear();
            }
            dirty.set(true);
        }
    }

    /** The blob a pass last found or made {@code backend} hold for {@code uid}, also before a restart. */
    public Optional<ObjectId> held(String backend, String uid) {
        return Optional.ofNullable(held.getOrDefault(backend, Map.of()).get(uid));
    }

    /**
     * A number for "now", to take just before reading a backend or fetching Git. Every record carries the ticket of
     * the read it comes from, and a record never replaces one from a later read: a pass that read a backend (or the
     * head) before the write-back pushed an edit finishes after it without turning the write-back's newer record
     * back into the older state.
     */
    public long ticket() {
        return tickets.incrementAndGet();
    }

    /** The blob last applied to (or written back from) {@code backend} for {@code uid}; empty when unknown. */
    public Optional<ObjectId> applied(String backend, String uid) {
        return blobOf(applied.getOrDefault(backend, Map.of()).get(uid));
    }

    /** The blob of {@code uid}'s file at the head last read; empty when Git has no such dashboard (or no head yet). */
    public Optional<ObjectId> head(String uid) {
        return blobOf(head.get(uid));
    }

    /** Records that {@code backend} holds the content of {@code blob} for {@code uid}, as read at {@code ticket}. */
    public void recordApplied(String backend, String uid, ObjectId blob, long ticket) {
        newer(applied.computeIfAbsent(backend, b -> new ConcurrentHashMap<>()), uid, blob.copy(), ticket);
    }

    /** Records that {@code backend} no longer holds {@code uid}, as read at {@code ticket}. */
    public void recordRemoved(String backend, String uid, long ticket) {
        newer(applied.computeIfAbsent(backend, b -> new ConcurrentHashMap<>()), uid, null, ticket);
        Map<String, ObjectId> byUid = held.get(backend);
        if (byUid != null && byUid.remove(uid) != null) {
            dirty.set(true);
        }
    }

    /** Records the dashboards of a head fetched at {@code ticket}. */
    public void headRead(DesiredState state, long ticket) {
        Set<String> inState = new HashSet<>();
        for (DesiredDashboard d : state.dashboards()) {
            inState.add(d.uid());
            newer(head, d.uid(), d.source().blobId(), ticket);
        }
        for (String uid : List.copyOf(head.keySet())) {
            if (!inState.contains(uid)) {
                newer(head, uid, null, ticket);
            }
        }
    }

    /** Records one file of a head this process fetched for one edit (at {@code ticket}). */
    public void headChanged(String uid, Optional<ObjectId> blob, long ticket) {
        newer(head, uid, blob.map(ObjectId::copy).orElse(null), ticket);
    }

    /**
     * The write-back pushed {@code backend}'s edit of {@code uid} (read there at {@code read}): Git's head now holds
     * {@code blob} (empty: no file), and so does that backend. Both are recorded as one step for {@link #lacksHead}:
     * seen one at a time, the backend would look as if it lacked a head made of its own edit, and the lost-update guard
     * would refuse its user's next save.
     */
    public void committed(String backend, String uid, Optional<ObjectId> blob, long read) {
        synchronized (headAndApplied) {
            headChanged(uid, blob, ticket());
            blob.ifPresentOrElse(b -> recordApplied(backend, uid, b, read), () -> recordRemoved(backend, uid, read));
        }
    }

    /**
     * Whether {@code backend} is known to hold other content of {@code uid} than the file at Git's head: both are
     * known and differ. Read as one with {@link #committed}; never waits longer than such a record takes.
     */
    public boolean lacksHead(String backend, String uid) {
        synchronized (headAndApplied) {
            Optional<ObjectId> known = head(uid);
            return known.isPresent() && applied(backend, uid).filter(b -> !known.get().equals(b)).isPresent();
        }
    }

    /**
     * Whether {@code uid}'s file was recorded, at a head read or pushed after {@code ticket}, with other content than
     * {@code blob} (empty: no file).
     */
    public boolean headChangedSince(String uid, long ticket, Optional<ObjectId> blob) {
        Seen seen = head.get(uid);
        return seen != null && seen.ticket() > ticket && !blobOf(seen).equals(blob);
    }

    private static void newer(Map<String, Seen> map, String uid, ObjectId blob, long ticket) {
        map.compute(uid, (k, old) -> old != null && old.ticket() > ticket ? old : new Seen(blob, ticket));
    }

    private static Optional<ObjectId> blobOf(Seen seen) {
        return seen == null ? Optional.empty() : Optional.ofNullable(seen.blob());
    }

    /** Installs the write-back's hold (one at a time; the last one wins). */
    public void setHold(Hold value) {
        this.hold = Objects.requireNonNull(value, "hold");
    }

    /** See {@link Hold#takeEdit}. */
    public boolean takeEdit(String backend, String uid) {
        return hold.takeEdit(backend, uid);
    }

    /** See {@link Hold#takeCreated}. */
    public boolean takeCreated(String backend, String uid) {
        return hold.takeCreated(backend, uid);
    }

    /** See {@link Hold#takeDeleted}. */
    public boolean takeDeleted(String backend, String uid) {
        return hold.takeDeleted(backend, uid);
    }

    /** Whether a pass must leave {@code uid} alone on {@code backend}. */
    public boolean holds(String backend, String uid) {
        return hold.holds(backend, uid);
    }
}
