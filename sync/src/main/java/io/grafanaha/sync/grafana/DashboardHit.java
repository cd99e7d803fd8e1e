package io.grafanaha.sync.grafana;

/** One {@code dash-db} hit of {@code GET /api/search}; {@code folderUid} is {@code ""} at the top level. */
public record DashboardHit(String uid, String title, String folderUid) {}
