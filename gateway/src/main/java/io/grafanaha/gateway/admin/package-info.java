/**
 * The admin listener: liveness, readiness, Prometheus metrics, the admin API and the live ops page, on a
 * Netty server of its own ({@code admin-io} accepts and frames, {@code admin-http} runs the handlers) with its
 * own connection caps, so it stays reachable when the front door is full.
 */
package io.grafanaha.gateway.admin;
