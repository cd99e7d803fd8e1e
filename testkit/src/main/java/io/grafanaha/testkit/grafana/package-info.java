/**
 * An in-process emulator of the Grafana HTTP API (health, auth, CSRF, dashboards, folders, search,
 * Live WebSocket) with fault-injection controls, so gateway and sync tests run against real HTTP on
 * loopback. Behaviour follows the design folder's {@code reference/grafana-api.md}; deviations are called out
 * where they are made. Grafana's auth proxy ({@code [auth.proxy]}, {@link io.grafanaha.testkit.grafana.AuthProxyOptions})
 * follows {@code testkit/AUTH-PROXY.md}, which lists each fact with its source in Grafana's code and docs;
 * Grafana 12's dashboard resource API ({@code /apis/dashboard.grafana.app/...}) follows {@code testkit/RESOURCE-API.md}.
 */
package io.grafanaha.testkit.grafana;
