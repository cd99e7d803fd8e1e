package io.grafanaha.sync.library;

import java.util.List;
import java.util.Optional;

/**
 * The library panel changes one backend needs.
 *
 * @param backend the backend's name
 * @param creates panels to create
 * @param updates panels to update, each with the version the backend holds
 * @param deletes managed panels Git no longer holds (applied after the dashboards, which may still use them)
 * @param refused why the deletes are not made (the deletion guard, or skipped files that may hold them)
 */
public record LibraryPlan(String backend, List<DesiredLibraryPanel> creates, List<Update> updates,
        List<BackendLibraryPanel> deletes, Optional<String> refused) {
    public LibraryPlan {
        creates = List.copyOf(creates);
        updates = List.copyOf(updates);
        deletes = List.copyOf(deletes);
    }

    /** A panel to update over the version the backend holds. */
    public record Update(DesiredLibraryPanel panel, int version) {}

    public boolean isEmpty() {
        return creates.isEmpty() && updates.isEmpty() && deletes.isEmpty() && refused.isEmpty();
    }

    /** As {@code sync --dry-run} prints it, like a dashboard plan. */
    public String render() {
        StringBuilder sb = new StringBuilder(backend).append(" library panels: ");
        int n = creates.size() + updates.size() + deletes.size();
        sb.append(n == 0 ? "no changes" : n + " change" + (n == 1 ? "" : "s")).append('\n');
        creates.forEach(p -> sb.append("  create library panel \"").append(p.name()).append("\" (uid ")
                .append(p.uid()).append(", ").append(p.path()).append(")\n"));
        updates.forEach(u -> sb.append("  update library panel \"").append(u.panel().name()).append("\" (uid ")
                .append(u.panel().uid()).append(", ").append(u.panel().path()).append(")\n"));
        deletes.forEach(p -> sb.append("  delete library panel \"").append(p.name()).append("\" (uid ")
                .append(p.uid()).append(")\n"));
        refused.ifPresent(r -> sb.append("  ! ").append(r).append('\n'));
        return sb.toString();
    }
}
