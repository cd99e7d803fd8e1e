package io.grafanaha.sync.writeback;

import io.grafanaha.sync.desired.DesiredFolder;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.grafana.DashboardHit;
import io.grafanaha.sync.grafana.DashboardVersion;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.GrafanaClient;
import io.grafanaha.sync.plan.DeleteLimit;
import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds edits that bypassed the gateway by comparing each managed dashboard's newest version row with the one seen
 * in the previous round. Runs on the write-back's thread only.
 *
 * <p><b>Polling</b> catches edits that bypass the gateway: every poll interval, for each backend, the newest version
 * row of every dashboard in a managed folder is read ({@code GET .../versions?limit=1}). A version newer than the
 * one seen before whose message does not start with {@code git-sync } is captured as a save by its
 * {@code createdBy}; a dashboard seen before and gone is captured as a delete (unless more than one and more than
 * {@code sync.max-deletes} vanished in one round: a wiped database, which the next pass refills). The first round
 * only records what it sees; edits made while no gateway ran are found by the first pass instead, through the pass
 * hold ({@link PassHold}). Versions the sync wrote are never captured, so write-back and sync do not ping-pong, and several gateways on
 * the same repository converge: each ignores the others' {@code git-sync} versions, and when two capture the same
 * edit the second finds Git already holding it (or a conflict branch holding it) and commits nothing.
 */
final class Poller {
    private static final Logger LOG = LoggerFactory.getLogger(Poller.class);

    /** Where captured edits go. */
    @FunctionalInterface
    interface Sink {
        void capture(CapturedEdit edit) throws IOException;
    }

    /** The managed tree to poll, at a fresh head. */
    @FunctionalInterface
    interface State {
        Optional<DesiredState> current() throws IOException;
    }

    private final Map<String, GrafanaClient> clients;
    private final Sink sink;
    private final State state;
    private final Clock clock;
    private final DeleteLimit deleteLimit;
    /** backend → uid → newest version seen; a backend is absent until its first complete round. */
    private final Map<String, Map<String, Integer>> seen = new HashMap<>();
    private final AtomicLong rounds = new AtomicLong();

    private final HandledVersions handled;
    private final PassHold.Pending pending;

    /**
     * @param handled the versions the write-back already has (a journaled body), not captured again
     * @param pending whether an edit of a dashboard on a backend is in the journal: that dashboard is looked at again
     *     in the next round instead (its newest version is likely a save whose journal record is on its way)
     */
    Poller(Map<String, GrafanaClient> clients, Sink sink, State state, Clock clock, DeleteLimit deleteLimit,
            HandledVersions handled, PassHold.Pending pending) {
        this.handled = handled;
        this.pending = pending;
        this.deleteLimit = deleteLimit;
        this.clients = clients;
        this.sink = sink;
        this.state = state;
        this.clock = clock;
    }

    long rounds() {
        return rounds.get();
    }

    void round() {
        Optional<DesiredState> head;
        try {
            head = state.current();
        } catch (IOException e) {
            LOG.warn("write-back polling skipped: {}", e.getMessage());
            return;
        }
        if (head.isEmpty()) {
            return;
        }
        List<String> folders = head.get().folders().stream().map(DesiredFolder::uid).toList();
        Set<String> inGit = head.get().dashboardsByUid().keySet();
        for (Map.Entry<String, GrafanaClient> backend : clients.entrySet()) {
            try {
                poll(backend.getKey(), backend.getValue(), folders, inGit);
            } catch (GrafanaApiException e) {
                LOG.debug("write-back polling of {} failed: {}", backend.getKey(), e.getMessage());
            } catch (IOException e) {
                LOG.warn("write-back polling of {}: cannot journal an edit: {}", backend.getKey(), e.getMessage());
            }
        }
        rounds.incrementAndGet();
    }

    private void poll(String backend, GrafanaClient client, List<String> folders, Set<String> inGit)
            throws IOException {
        Map<String, Integer> before = seen.get(backend);
        Map<String, Integer> now = new HashMap<>();
        Set<String> uids = new HashSet<>();
        for (DashboardHit hit : client.dashboardsInFolders(folders)) {
            uids.add(hit.uid());
        }
        for (String uid : uids) {
            Optional<DashboardVersion> v = client.versions(uid, 1).stream().findFirst();
            if (v.isEmpty()) {
                continue;
            }
            Integer last = before == null ? null : before.get(uid);
            if (last != null && pending.holds(backend, uid)) {
                // Saves through the gateway in flight: capturing the newest version now would read the instance
                // ahead of the journaled edits before it (a needless conflict); the next round looks again.
                now.put(uid, last);
                continue;
            }
            now.put(uid, v.get().version());
            boolean newer = before != null && (last == null || v.get().version() > last);
            // Grafana shows version 1's message as "Initial save", hiding the stamp: a first version of a dashboard
            // Git holds is the sync creating it.
            boolean createdBySync = last == null && v.get().version() == 1 && inGit.contains(uid);
            // A save through the gateway is journaled with its body: not read back and committed a second time.
            if (newer && !v.get().writtenBySync() && !createdBySync
                    && !handled.has(backend, uid, v.get().version())) {
                Optional<String> user = v.get().user();
                LOG.info("{}: dashboard {} version {} was saved by {} without the gateway; writing it back", backend,
                        uid, v.get().version(), user.orElse("an unknown user"));
                sink.capture(CapturedEdit.dashboardSaved(backend, uid, user, clock.instant()));
                // Only now, with the edit pending: a pass that finds this version had must find it held too. Not
                // when the capture failed: a pass then takes it rather than overwrite it.
                handled.took(backend, uid, v.get().version());
            }
        }
        if (before != null) {
            List<String> gone = before.keySet().stream().filter(u -> !now.containsKey(u) && inGit.contains(u))
                    .sorted().toList();
            if (gone.size() > 1 && !deleteLimit.allows(gone.size(), before.size())) {
                // A wiped or restored database, not a user: the next pass recreates them from Git.
                LOG.warn("{}: {} of {} managed dashboards disappeared at once, more than sync.max-deletes {}; not "
                        + "writing these deletes to Git", backend, gone.size(), before.size(), deleteLimit);
            } else {
                for (String uid : gone) {
                    LOG.info("{}: dashboard {} was deleted without the gateway; writing it back", backend, uid);
                    sink.capture(CapturedEdit.dashboardDeleted(backend, uid, Optional.empty(), clock.instant()));
                }
            }
        }
        seen.put(backend, now);
    }
}
