package io.grafanaha.sync.grafana;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A dashboard as one backend holds it ({@code GET /api/dashboards/uid/:uid}).
 *
 * @param folderUid {@code meta.folderUid}; {@code ""} at the General (root) level
 * @param json {@code dashboard} as returned, {@code id} and {@code version} included (they are ignored)
 * @param version the backend's version, for messages
 */
public record BackendDashboard(String uid, String title, String folderUid, ObjectNode json, int version) {}
