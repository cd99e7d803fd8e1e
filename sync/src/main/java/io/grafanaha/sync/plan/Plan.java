package io.grafanaha.sync.plan;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The changes that bring one backend to the desired state of one commit, in the order they must run: folder
 * creates (parents first), folder renames and moves, dashboard creates, updates and moves, dashboard deletes,
 * folder deletes (children first).
 *
 * @param backend the backend's name
 * @param commit the commit whose state this plan applies
 * @param operations the changes, in order; empty when the backend already matches
 * @param notes what was deliberately left alone and why (protected, held, outside the tree)
 * @param heldDeletes deletes Git asks for that were held back, with the files that hold them; empty when none. A
 *     backend whose plan holds deletes back does not hold what Git says once it is applied
 */
public record Plan(String backend, ObjectId commit, List<PlanOperation> operations, List<String> notes,
        Optional<String> heldDeletes) {
    public Plan {
        operations = List.copyOf(operations);
        notes = List.copyOf(notes);
        heldDeletes = Objects.requireNonNullElse(heldDeletes, Optional.<String>empty());
    }

    /** A plan that holds no delete back. */
    public Plan(String backend, ObjectId commit, List<PlanOperation> operations, List<String> notes) {
        this(backend, commit, operations, notes, Optional.empty());
    }

    /** Whether the backend already matches (notes do not count). */
    public boolean isEmpty() {
        return operations.isEmpty();
    }

    /** How many operations of a kind, e.g. {@code count(PlanOperation.DeleteDashboard.class)}. */
    public long count(Class<? extends PlanOperation> kind) {
        return operations.stream().filter(kind::isInstance).count();
    }

    /** The plan as {@code sync --dry-run} prints it, one line per change, then {@code !} notes. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(backend).append(" @ ").append(commit.abbreviate(7).name()).append(": ");
        sb.append(isEmpty() ? "no changes" : operations.size() + " change" + (operations.size() == 1 ? "" : "s"))
                .append('\n');
        operations.forEach(op -> sb.append("  ").append(op.describe().replace("\n", "\n  ")).append('\n'));
        notes.forEach(n -> sb.append("  ! ").append(n).append('\n'));
        return sb.toString();
    }

    @Override
    public String toString() {
        return render();
    }
}
