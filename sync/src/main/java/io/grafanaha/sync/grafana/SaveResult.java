package io.grafanaha.sync.grafana;

/** What {@code POST /api/dashboards/db} answered. */
public record SaveResult(String uid, int version, String url) {}
