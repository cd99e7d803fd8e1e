/**
 * Applying a plan to one backend through its HTTP API ({@link io.grafanaha.sync.apply.ApplyPlan}): folders in
 * dependency order, dashboards with bounded concurrency and retries, one failure never stopping the rest.
 */
package io.grafanaha.sync.apply;
