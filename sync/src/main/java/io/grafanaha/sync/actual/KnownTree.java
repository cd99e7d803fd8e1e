package io.grafanaha.sync.actual;

import io.grafanaha.sync.desired.DesiredDashboard;
import io.grafanaha.sync.desired.DesiredFolder;
import io.grafanaha.sync.grafana.BackendFolder;
import io.grafanaha.sync.grafana.DashboardHit;
import io.grafanaha.sync.plan.PlanOperation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per backend, the managed tree as the last pass that applied everything left it: its folders and the dashboards in
 * them. A pass started by a push ({@code full} false) takes it instead of walking the folders and searching the
 * dashboards again, which is most of what such a pass costs; it is only handed out while nothing the sync knows of
 * could have changed the tree since: the backend was not marked stale (it went down, or came back possibly wiped),
 * Git's folders are the ones it was recorded for, and that pass changed no folder and left nothing out. Full passes
 * (the interval's, the admin API's, a backend's return) always read the tree, so a dashboard created or deleted
 * straight on an instance is found there, as an edit to an unchanged dashboard is. In memory only.
 */
public final class KnownTree {
    /** What a pass reads of the tree before asking about single dashboards. */
    public record Listing(List<BackendFolder> folders, List<DashboardHit> dashboards) {
        public Listing {
            folders = List.copyOf(folders);
            dashboards = List.copyOf(dashboards);
        }
    }

    /** @param staleMarks the backend's stale marks when the pass that recorded it started */
    private record Entry(Listing listing, String rootUid, Map<String, DesiredFolder> desiredFolders, long staleMarks) {}

    private final Map<String, Entry> byBackend = new ConcurrentHashMap<>();

    /**
     * The listing recorded for {@code backend}, when it was recorded for these desired folders and no stale mark came
     * since ({@code staleMarks} is the backend's count now, see
     * {@link io.grafanaha.sync.freshness.FreshnessTracker#passStarting}).
     */
    public Optional<Listing> get(String backend, String rootUid, Map<String, DesiredFolder> desiredFolders,
            long staleMarks) {
        Entry e = byBackend.get(backend);
        if (e == null || e.staleMarks() != staleMarks || !e.rootUid().equals(rootUid)
                || !e.desiredFolders().equals(desiredFolders)) {
            return Optional.empty();
        }
        return Optional.of(e.listing());
    }

    /**
     * After a pass that applied every operation of its plan: the tree it read ({@code before}) changed by those
     * operations. A plan that changes folders is not followed here: the next pass reads the tree again.
     */
    public void recordApplied(String backend, String rootUid, Map<String, DesiredFolder> desiredFolders,
            long staleMarks, BackendState before, List<PlanOperation> applied) {
        if (applied.stream().anyMatch(KnownTree::changesFolders)) {
            forget(backend);
            return;
        }
        Map<String, DashboardHit> hits = new LinkedHashMap<>();
        before.dashboards().forEach(d -> hits.put(d.uid(), new DashboardHit(d.uid(), d.title(), d.folderUid())));
        for (PlanOperation op : applied) {
            DesiredDashboard now = op instanceof PlanOperation.CreateDashboard c ? c.dashboard()
                    : op instanceof PlanOperation.UpdateDashboard u ? u.dashboard()
                    : op instanceof PlanOperation.MoveDashboard m ? m.dashboard() : null;
            if (now != null) {
                hits.put(now.uid(), new DashboardHit(now.uid(), now.title(), now.folderUid()));
            } else if (op instanceof PlanOperation.DeleteDashboard d) {
                hits.remove(d.uid());
            }
        }
        byBackend.put(backend, new Entry(new Listing(before.folders(), List.copyOf(hits.values())), rootUid,
                Map.copyOf(desiredFolders), staleMarks));
    }

    /** The next pass over {@code backend} reads its tree. */
    public void forget(String backend) {
        byBackend.remove(backend);
    }

    private static boolean changesFolders(PlanOperation op) {
        return op instanceof PlanOperation.CreateFolder || op instanceof PlanOperation.UpdateFolder
                || op instanceof PlanOperation.DeleteFolder;
    }
}
