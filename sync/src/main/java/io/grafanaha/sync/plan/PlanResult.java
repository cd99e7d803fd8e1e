package io.grafanaha.sync.plan;

/** A plan to apply, or the reason none may be applied. */
public sealed interface PlanResult {

    /** Apply this plan (it may be empty). */
    record Ready(Plan plan) implements PlanResult {}

    /** Nothing may be applied: e.g. the plan would delete more than {@code sync.max-deletes}. */
    record Refused(String reason, Plan wouldBe) implements PlanResult {}
}
