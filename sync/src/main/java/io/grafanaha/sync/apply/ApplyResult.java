package io.grafanaha.sync.apply;

import io.grafanaha.sync.plan.PlanOperation;
import java.util.List;
import org.eclipse.jgit.lib.ObjectId;

/**
 * What applying one plan to one backend did.
 *
 * @param backend the backend's name
 * @param commit the commit whose state was applied
 * @param applied the operations that succeeded, in the order they completed
 * @param failures the operations that failed or were skipped because something they need failed
 */
public record ApplyResult(String backend, ObjectId commit, List<PlanOperation> applied, List<ApplyFailure> failures) {
    public ApplyResult {
        applied = List.copyOf(applied);
        failures = List.copyOf(failures);
    }

    /** Whether every operation was applied. */
    public boolean succeeded() {
        return failures.isEmpty();
    }

    /** How many applied operations are of a kind, e.g. {@code count(PlanOperation.CreateDashboard.class)}. */
    public long count(Class<? extends PlanOperation> kind) {
        return applied.stream().filter(kind::isInstance).count();
    }
}
