package io.grafanaha.sync.plan;

import java.util.List;
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
 */
public record Plan(String backend, ObjectId commit, List<PlanOperation> operations, List<String> notes) {
    public Plan {
        operations = List.copyOf(operations);
        notes = List.copyOf(notes);
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
