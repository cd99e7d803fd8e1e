package io.grafanaha.sync.freshness;

import java.io.IOException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per backend: which commit it holds and whether that is the Git head.
 *
 * <p><b>Fresh</b> means: the last pass to this backend ran at the commit that is still the head, read the backend,
 * applied every planned operation without a failure (any drift it found was overwritten), and the backend has not
 * been {@linkplain #markStale marked stale} since. So a new head makes every backend stale until its next pass; a
 * failed, partly failed or refused pass makes it stale, and so does one that held deletes back (a file whose uid
 * cannot be read could be any of them); a restart of the gateway starts every backend stale even
 * though the {@linkplain AppliedStateStore persisted} applied commit is shown.
 *
 * <p><b>Drift</b> is the number of dashboard operations (create, update, move, delete) that the last pass planned
 * although the backend's applied commit already was the commit being applied: changes Git does not explain, i.e.
 * edits made in Grafana or lost writes. When the pass applies a new commit, its changes are expected and drift is 0.
 *
 * <p>{@link #isFresh} reads two volatile references and never blocks, so the failback gate may call it on any thread.
 */
public final class FreshnessTracker {
    private static final Logger LOG = LoggerFactory.getLogger(FreshnessTracker.class);

    private final AppliedStateStore store;
    private final CommitDistance distance;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final List<String> order;
    private volatile Optional<ObjectId> head = Optional.empty();

    /** One backend's state; replaced as a whole. {@code verified} is the commit the last clean pass applied. */
    private record Entry(Optional<ObjectId> applied, Optional<ObjectId> verified, int lag, Optional<Instant> lastSync,
            int drift, Optional<String> lastError, int dashboards, Map<String, Long> errors, long staleMarks) {}

    /** Loads each backend's persisted applied commit; every backend starts stale. */
    public FreshnessTracker(Collection<String> backends, AppliedStateStore store, CommitDistance distance) {
        this.store = store;
        this.distance = distance;
        this.order = List.copyOf(backends);
        for (String b : backends) {
            Optional<AppliedState> saved = store.load(b);
            entries.put(b, new Entry(saved.map(s -> ObjectId.fromString(s.appliedCommit())), Optional.empty(), -1,
                    saved.map(AppliedState::lastSync), 0, Optional.empty(), 0, Map.of(), 0));
        }
    }

    /** Whether the backend holds the current head (see the class comment). Cheap and non-blocking. */
    public boolean isFresh(String backend) {
        Entry e = entries.get(backend);
        Optional<ObjectId> h = head;
        return e != null && h.isPresent() && e.verified().equals(h);
    }

    /** The backend went down or was changed behind the sync's back: it must be synced before it is fresh again. */
    public void markStale(String backend) {
        update(backend, e -> new Entry(e.applied(), Optional.empty(), e.lag(), e.lastSync(), e.drift(), e.lastError(),
                e.dashboards(), e.errors(), e.staleMarks() + 1));
    }

    /** The mirror's head moved (or was first read): every backend's lag is recounted. */
    public void headChanged(ObjectId newHead) {
        Optional<ObjectId> h = Optional.of(newHead.copy());
        head = h;
        for (String b : order) {
            update(b, e -> new Entry(e.applied(), e.verified(), distance.lag(e.applied(), h), e.lastSync(), e.drift(),
                    e.lastError(), e.dashboards(), e.errors(), e.staleMarks()));
        }
    }

    /** The head the freshness is measured against. */
    public Optional<ObjectId> head() {
        return head;
    }

    /** The backend's recorded applied commit (persisted). */
    public Optional<ObjectId> applied(String backend) {
        return entry(backend).applied();
    }

    /**
     * Called when a pass to the backend starts; pass the token to {@link #passSucceeded}, so that a backend
     * {@linkplain #markStale marked stale} while the pass ran (it went down mid-pass) does not become fresh.
     */
    public long passStarting(String backend) {
        return entry(backend).staleMarks();
    }

    /**
     * A pass applied {@code commit} to the backend without failures; persists the applied commit. The backend
     * becomes fresh unless it was marked stale since {@code token} was taken.
     */
    public void passSucceeded(String backend, long token, ObjectId commit, Instant at, int drift, int dashboards) {
        ObjectId c = commit.copy();
        update(backend, e -> new Entry(Optional.of(c), e.staleMarks() == token ? Optional.of(c) : Optional.empty(),
                distance.lag(Optional.of(c), head), Optional.of(at), drift, Optional.empty(), dashboards, e.errors(),
                e.staleMarks()));
        try {
            store.save(new AppliedState(backend, c.name(), at));
        } catch (IOException e) {
            LOG.warn("{}: cannot persist the applied commit to {}: {}", backend, store.file(backend), e.toString());
        }
    }

    /**
     * A pass applied {@code commit} to the backend without failures but held deletes back on purpose ({@code why}
     * names them and the files that hold them): the applied commit is recorded and persisted, but the backend does
     * not hold what Git says, so it is not fresh, {@code why} is its error, and it counts as an error of {@code kind}.
     */
    public void passHeldBack(String backend, ObjectId commit, Instant at, int drift, int dashboards, String kind,
            String why) {
        ObjectId c = commit.copy();
        update(backend, e -> {
            Map<String, Long> errors = new HashMap<>(e.errors());
            errors.merge(kind, 1L, Long::sum);
            return new Entry(Optional.of(c), Optional.empty(), distance.lag(Optional.of(c), head), Optional.of(at),
                    drift, Optional.of(why), dashboards, errors, e.staleMarks());
        });
        try {
            store.save(new AppliedState(backend, c.name(), at));
        } catch (IOException e) {
            LOG.warn("{}: cannot persist the applied commit to {}: {}", backend, store.file(backend), e.toString());
        }
    }

    /**
     * A pass to the backend failed (partly or entirely, or was refused): it is stale and keeps its applied commit.
     *
     * @param kind the error kind for {@code gateway_sync_errors_total}
     * @param drift the drift measured, or -1 to keep the previous value (the backend could not be read)
     * @param dashboards managed dashboards on the backend, or -1 to keep the previous value
     */
    public void passFailed(String backend, String kind, String error, int drift, int dashboards) {
        update(backend, e -> {
            Map<String, Long> errors = new HashMap<>(e.errors());
            errors.merge(kind, 1L, Long::sum);
            return new Entry(e.applied(), Optional.empty(), e.lag(), e.lastSync(), drift < 0 ? e.drift() : drift,
                    Optional.of(error), dashboards < 0 ? e.dashboards() : dashboards, errors, e.staleMarks());
        });
    }

    /** One backend's status. */
    public BackendSyncStatus status(String backend) {
        Entry e = entry(backend);
        return new BackendSyncStatus(backend, e.applied().map(ObjectId::name), isFresh(backend), e.lag(),
                e.lastSync(), e.drift(), e.lastError(), e.dashboards(), e.errors());
    }

    /** Every backend's status, in configuration order. */
    public Map<String, BackendSyncStatus> statuses() {
        Map<String, BackendSyncStatus> all = new LinkedHashMap<>();
        order.forEach(b -> all.put(b, status(b)));
        return all;
    }

    private Entry entry(String backend) {
        Entry e = entries.get(backend);
        if (e == null) {
            throw new IllegalArgumentException("no backend named '" + backend + "' in the sync; known: " + order);
        }
        return e;
    }

    private void update(String backend, java.util.function.UnaryOperator<Entry> change) {
        entry(backend);
        entries.computeIfPresent(backend, (k, e) -> change.apply(e));
    }
}
