package io.grafanaha.sync.actual;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.grafana.BackendDashboard;
import io.grafanaha.sync.grafana.BackendFolder;
import io.grafanaha.sync.grafana.DashboardHit;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.GrafanaClient;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Reads what the planner needs from one backend ({@link BackendState}): the folder tree under the managed root, every
 * dashboard in it with its JSON, and which of the uids Git holds live outside the tree (those are never touched).
 * Runs on the caller's thread (a pass's backend thread); the client decides how many calls it makes at once.
 */
public final class ManagedTree {
    private final GrafanaClient client;

    public ManagedTree(GrafanaClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /** {@link #read(String, Collection, Map, boolean)} with no expected trees. */
    public BackendState read(String rootUid, Collection<String> desiredUids) throws GrafanaApiException {
        return read(rootUid, desiredUids, Map.of(), false);
    }

    /**
     * The managed tree, told the tree each desired uid should hold: the client may hand back that very tree for a
     * dashboard that holds the same content, and with {@code trustUnchanged} skip asking about one it last saw
     * holding it (see {@link GrafanaClient#dashboards(List, Map, boolean)}).
     */
    public BackendState read(String rootUid, Collection<String> desiredUids, Map<String, ObjectNode> expected,
            boolean trustUnchanged) throws GrafanaApiException {
        return read(rootUid, desiredUids, expected, trustUnchanged, Optional.empty());
    }

    /**
     * As above, with the folders and the dashboards in them taken from {@code known} when given (a pass after a push,
     * see {@link KnownTree}) instead of walking and searching the tree. A uid Git holds that the listing lacks is
     * still looked up, and read when it is in the tree (e.g. saved there through the gateway since).
     */
    public BackendState read(String rootUid, Collection<String> desiredUids, Map<String, ObjectNode> expected,
            boolean trustUnchanged, Optional<KnownTree.Listing> known) throws GrafanaApiException {
        Map<String, BackendFolder> folders = new LinkedHashMap<>();
        (known.isPresent() ? known.get().folders() : client.folderTree(rootUid))
                .forEach(f -> folders.putIfAbsent(f.uid(), f));
        List<DashboardHit> inTree = new ArrayList<>();
        Set<String> managed = new HashSet<>();
        if (!folders.isEmpty()) {
            for (DashboardHit hit : known.isPresent() ? known.get().dashboards()
                    : client.dashboardsInFolders(folders.keySet())) {
                if (folders.containsKey(hit.folderUid()) && managed.add(hit.uid())) {
                    inTree.add(hit);
                }
            }
        }
        List<String> unknown = desiredUids.stream().filter(u -> !managed.contains(u)).distinct().toList();
        Set<String> outside = new HashSet<>();
        if (!unknown.isEmpty()) {
            for (DashboardHit hit : client.findDashboards(unknown)) {
                if (!folders.containsKey(hit.folderUid())) {
                    outside.add(hit.uid());
                } else if (known.isPresent() && managed.add(hit.uid())) {
                    inTree.add(hit);
                }
            }
        }
        List<BackendDashboard> dashboards = client.dashboards(inTree, expected, trustUnchanged);
        return new BackendState(client.name(), List.copyOf(folders.values()), dashboards, outside);
    }
}
