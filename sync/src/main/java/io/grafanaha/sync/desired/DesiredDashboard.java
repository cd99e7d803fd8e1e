package io.grafanaha.sync.desired;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A dashboard every backend must hold.
 *
 * @param uid the identity across backends
 * @param title the dashboard title, for messages and plans
 * @param folderUid the folder it belongs in
 * @param json the dashboard model as sent to Grafana: {@code uid} set, {@code id} and {@code version} removed
 * @param source the file it was read from
 */
public record DesiredDashboard(String uid, String title, String folderUid, ObjectNode json, DashboardSource source) {

    /** The same dashboard placed in another folder. */
    public DesiredDashboard withFolder(String otherFolderUid) {
        return new DesiredDashboard(uid, title, otherFolderUid, json, source);
    }
}
