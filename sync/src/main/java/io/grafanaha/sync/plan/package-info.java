/**
 * Desired state against one backend's state: the operations that reconcile them
 * ({@link io.grafanaha.sync.plan.PlanSync}), or the refusal to apply a dangerous plan.
 */
package io.grafanaha.sync.plan;
