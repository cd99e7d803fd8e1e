/**
 * An in-process emulator of the Grafana HTTP API (health, auth, CSRF, dashboards, folders, search,
 * Live WebSocket) with fault-injection controls, so gateway and sync tests run against real HTTP on
 * loopback. Behaviour follows the design folder's {@code reference/grafana-api.md}; deviations are called out
 * where they are made.
 */
package io.grafanaha.testkit.grafana;
