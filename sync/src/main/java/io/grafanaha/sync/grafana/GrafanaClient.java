package io.grafanaha.sync.grafana;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.plan.BackendDashboard;
import io.grafanaha.sync.plan.BackendFolder;
import io.grafanaha.sync.plan.BackendState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Grafana HTTP API operations the sync needs, against one backend. Every failure is a
 * {@link GrafanaApiException} naming the backend and the call.
 */
public interface GrafanaClient {

    /** The backend's name, for messages. */
    String name();

    /** {@code GET /api/folders/:uid}; empty on 404. */
    Optional<BackendFolder> folder(String uid) throws GrafanaApiException;

    /** {@code GET /api/folders?parentUid=}: the immediate children of a folder, all pages. */
    List<BackendFolder> childFolders(String parentUid) throws GrafanaApiException;

    /** {@code GET /api/search?type=dash-db&folderUIDs=...}: dashboards directly in these folders, all pages. */
    List<DashboardHit> dashboardsInFolders(Collection<String> folderUids) throws GrafanaApiException;

    /** {@code GET /api/search?type=dash-db&dashboardUIDs=...}: where these dashboards are, if anywhere. */
    List<DashboardHit> findDashboards(Collection<String> uids) throws GrafanaApiException;

    /** {@code GET /api/dashboards/uid/:uid}; empty on 404. */
    Optional<BackendDashboard> dashboard(String uid) throws GrafanaApiException;

    /**
     * {@code POST /api/dashboards/db} with {@code overwrite: true} (the sync is the source of truth for managed
     * dashboards), the given folder (never omitted: Grafana would move the dashboard to the top level) and
     * {@code message} for the version history (see {@link SaveMessage}).
     */
    SaveResult saveDashboard(ObjectNode dashboard, String folderUid, String message) throws GrafanaApiException;

    /**
     * As {@link #saveDashboard(ObjectNode, String, String)}, but only over {@code expectedVersion}: Grafana answers
     * 412 (a {@link GrafanaApiException} with that status) when the dashboard changed since it was read, so a
     * user's save that lands between the sync's read and its write is never overwritten. By default the
     * unconditional save, for clients that cannot do better.
     */
    default SaveResult saveDashboard(ObjectNode dashboard, String folderUid, String message, int expectedVersion)
            throws GrafanaApiException {
        return saveDashboard(dashboard, folderUid, message);
    }

    /** {@code DELETE /api/dashboards/uid/:uid}; a dashboard already gone is not an error. */
    void deleteDashboard(String uid) throws GrafanaApiException;

    /** {@code POST /api/folders}. */
    void createFolder(String uid, String title, Optional<String> parentUid) throws GrafanaApiException;

    /** {@code PUT /api/folders/:uid} with {@code overwrite: true}. */
    void renameFolder(String uid, String title) throws GrafanaApiException;

    /** {@code POST /api/folders/:uid/move}; empty parent = top level. */
    void moveFolder(String uid, Optional<String> parentUid) throws GrafanaApiException;

    /** {@code DELETE /api/folders/:uid} (Grafana deletes what it contains); a folder already gone is not an error. */
    void deleteFolder(String uid) throws GrafanaApiException;

    /**
     * {@code GET /api/dashboards/uid/:uid/versions?limit=}: the newest {@code limit} version rows, newest first; empty
     * when the dashboard does not exist (404). Accepts both the bare array (Grafana up to 11.4) and the
     * {@code {continueToken, versions}} wrapper.
     */
    default List<DashboardVersion> versions(String uid, int limit) throws GrafanaApiException {
        throw new GrafanaApiException(name(), "GET /api/dashboards/uid/" + uid + "/versions", 0,
                "not supported by " + getClass().getSimpleName());
    }

    /**
     * {@code GET /api/dashboards/uid/:uid/versions/:version}: the dashboard JSON that version saved ({@code data});
     * empty when the dashboard or that version no longer exists (404).
     */
    default Optional<ObjectNode> versionData(String uid, int version) throws GrafanaApiException {
        throw new GrafanaApiException(name(), "GET /api/dashboards/uid/" + uid + "/versions/" + version, 0,
                "not supported by " + getClass().getSimpleName());
    }

    /** The newest version row ({@link #versions} with limit 1); empty when none. */
    default Optional<DashboardVersion> latestVersion(String uid) throws GrafanaApiException {
        return versions(uid, 1).stream().findFirst();
    }

    /**
     * The folder {@code rootUid} and every folder below it, parents before children; empty when the root does not
     * exist. By default one {@link #childFolders} call per folder, one after the other.
     */
    default List<BackendFolder> folderTree(String rootUid) throws GrafanaApiException {
        Map<String, BackendFolder> folders = new LinkedHashMap<>();
        List<BackendFolder> queue = new ArrayList<>(folder(rootUid).stream().toList());
        while (!queue.isEmpty()) {
            BackendFolder f = queue.remove(0);
            if (folders.putIfAbsent(f.uid(), f) == null) {
                queue.addAll(childFolders(f.uid()));
            }
        }
        return List.copyOf(folders.values());
    }

    /**
     * The dashboards of these search hits with their JSON, leaving out any deleted meanwhile. By default one
     * {@link #dashboard} call each, one after the other; a client may read in parallel or skip dashboards it knows
     * have not changed, and may return the {@code expected} tree of a dashboard whose content it equals.
     */
    default List<BackendDashboard> dashboards(List<DashboardHit> hits, Map<String, ObjectNode> expected)
            throws GrafanaApiException {
        List<BackendDashboard> out = new ArrayList<>();
        for (DashboardHit hit : hits) {
            dashboard(hit.uid()).ifPresent(out::add);
        }
        return out;
    }

    /**
     * {@link #dashboards(List, Map)}; with {@code trustUnchanged}, a client may skip asking the backend about a
     * dashboard it last saw holding exactly the {@code expected} tree (the very same tree: the file did not change
     * since) and hand that tree back. An edit made on the backend since is then not seen by this call.
     */
    default List<BackendDashboard> dashboards(List<DashboardHit> hits, Map<String, ObjectNode> expected,
            boolean trustUnchanged) throws GrafanaApiException {
        return dashboards(hits, expected);
    }

    /**
     * Reads what the planner needs: the folder tree under {@code rootUid}, every dashboard in it with its JSON,
     * and which of {@code desiredUids} live outside the tree (those are never touched).
     */
    default BackendState managedTree(String rootUid, Collection<String> desiredUids) throws GrafanaApiException {
        return managedTree(rootUid, desiredUids, Map.of());
    }

    /**
     * {@link #managedTree(String, Collection)}, told the tree each desired uid should hold: a client may hand back
     * that very tree for a dashboard that holds the same content, instead of the one it read, so that a backend that
     * matches Git costs no memory of its own (see {@link #dashboards}).
     */
    default BackendState managedTree(String rootUid, Collection<String> desiredUids, Map<String, ObjectNode> expected)
            throws GrafanaApiException {
        return managedTree(rootUid, desiredUids, expected, false);
    }

    /** {@link #managedTree(String, Collection, Map)}, reading dashboards with {@link #dashboards(List, Map, boolean)}. */
    default BackendState managedTree(String rootUid, Collection<String> desiredUids, Map<String, ObjectNode> expected,
            boolean trustUnchanged) throws GrafanaApiException {
        Map<String, BackendFolder> folders = new LinkedHashMap<>();
        folderTree(rootUid).forEach(f -> folders.putIfAbsent(f.uid(), f));
        List<DashboardHit> inTree = new ArrayList<>();
        Set<String> managed = new HashSet<>();
        if (!folders.isEmpty()) {
            for (DashboardHit hit : dashboardsInFolders(folders.keySet())) {
                if (folders.containsKey(hit.folderUid()) && managed.add(hit.uid())) {
                    inTree.add(hit);
                }
            }
        }
        List<BackendDashboard> dashboards = dashboards(inTree, expected, trustUnchanged);
        List<String> unknown = desiredUids.stream().filter(u -> !managed.contains(u)).distinct().toList();
        Set<String> outside = new HashSet<>();
        if (!unknown.isEmpty()) {
            for (DashboardHit hit : findDashboards(unknown)) {
                if (!folders.containsKey(hit.folderUid())) {
                    outside.add(hit.uid());
                }
            }
        }
        return new BackendState(name(), List.copyOf(folders.values()), dashboards, outside);
    }
}
