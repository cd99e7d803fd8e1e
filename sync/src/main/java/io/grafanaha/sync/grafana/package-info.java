/**
 * The Grafana HTTP API as the sync uses it ({@link io.grafanaha.sync.grafana.GrafanaClient}): read a backend's
 * managed tree, save and delete dashboards, manage folders.
 */
package io.grafanaha.sync.grafana;
