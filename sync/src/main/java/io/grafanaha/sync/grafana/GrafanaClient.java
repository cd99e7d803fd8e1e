package io.grafanaha.sync.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Grafana HTTP API operations the sync needs, against one backend, and nothing else: what a backend holds as
 * the planner sees it is read by {@link io.grafanaha.sync.actual.ManagedTree}. Every failure is a
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
     * user's save that lands between the sync's read and its write is never overwritten.
     */
    SaveResult saveDashboard(ObjectNode dashboard, String folderUid, String message, int expectedVersion)
            throws GrafanaApiException;

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
    List<DashboardVersion> versions(String uid, int limit) throws GrafanaApiException;

    /**
     * {@code GET /api/dashboards/uid/:uid/versions/:version}: the dashboard JSON that version saved ({@code data});
     * empty when the dashboard or that version no longer exists (404).
     */
    Optional<ObjectNode> versionData(String uid, int version) throws GrafanaApiException;

    /**
     * {@code GET /api/folders/:uid} of {@code rootUid}, then {@code GET /api/folders?parentUid=} for every folder
     * below it: the folder and its whole subtree, parents before children; empty when the root does not exist.
     */
    List<BackendFolder> folderTree(String rootUid) throws GrafanaApiException;

    /**
     * {@code GET /api/dashboards/uid/:uid} for each of these search hits, leaving out any deleted meanwhile. The
     * client may hand back the {@code expected} tree of a dashboard whose content it equals (so a backend that
     * matches Git costs no memory of its own).
     */
    List<BackendDashboard> dashboards(List<DashboardHit> hits, Map<String, ObjectNode> expected)
            throws GrafanaApiException;

    /**
     * {@link #dashboards(List, Map)}; with {@code trustUnchanged}, the client may skip asking the backend about a
     * dashboard it last saw holding exactly the {@code expected} tree (the very same tree: the file did not change
     * since) and hand that tree back. An edit made on the backend since is then not seen by this call.
     */
    List<BackendDashboard> dashboards(List<DashboardHit> hits, Map<String, ObjectNode> expected,
            boolean trustUnchanged) throws GrafanaApiException;

    /**
     * Any other JSON call of Grafana's HTTP API, for the kinds of resource beside dashboards and folders (library
     * panels, ...), whose typed calls live with their step: {@code path} from {@code /api/}, {@code body} null for
     * none. Empty on 404; any other answer outside 2xx is a {@link GrafanaApiException} with Grafana's message.
     */
    Optional<JsonNode> call(String method, String path, JsonNode body) throws GrafanaApiException;

    /**
     * Plain JSON calls to this backend for the other resource kinds; empty for a client that only knows dashboards
     * (then those kinds are not synced to it).
     */
    default Optional<JsonApi> jsonApi() {
        return Optional.empty();
    }
}
