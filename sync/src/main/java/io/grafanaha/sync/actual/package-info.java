/**
 * What a backend holds, beside {@link io.grafanaha.sync.desired} (what Git says it must hold): one backend's managed
 * tree as the planner sees it ({@link io.grafanaha.sync.actual.BackendState}, read by
 * {@link io.grafanaha.sync.actual.ManagedTree}) and the per-process ledger of which Git blob each backend holds
 * ({@link io.grafanaha.sync.actual.AppliedBlobs}), with the hook through which the write-back holds dashboards out of
 * a pass. Content equality lives in {@link io.grafanaha.sync.json.SameContent} (next to the canonical form it
 * mirrors), so that the HTTP client can use it without depending on this package.
 */
package io.grafanaha.sync.actual;
