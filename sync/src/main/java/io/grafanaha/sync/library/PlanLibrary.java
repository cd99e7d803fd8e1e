package io.grafanaha.sync.library;

import io.grafanaha.sync.plan.DeleteLimit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Compares Git's library panels with what one backend holds. Only panels in a managed folder are Git's to delete
 * (with {@code sync.scope: instance}, every folder and General); a panel Git holds is created or updated wherever it
 * is. A protected uid (its file skipped) is neither updated nor deleted. Deletes are counted on their own against
 * {@code sync.max-deletes}: more than it allows of the managed panels, and none is made.
 */
final class PlanLibrary {
    private PlanLibrary() {}

    static LibraryPlan plan(String backend, DesiredLibrary desired, List<BackendLibraryPanel> actual,
            Set<String> managedFolders, DeleteLimit limit) {
        Map<String, DesiredLibraryPanel> wanted = desired.byUid();
        List<DesiredLibraryPanel> creates = new ArrayList<>();
        List<LibraryPlan.Update> updates = new ArrayList<>();
        Map<String, BackendLibraryPanel> have = new java.util.HashMap<>();
        actual.forEach(b -> have.put(b.uid(), b));
        for (DesiredLibraryPanel p : desired.panels()) {
            BackendLibraryPanel b = have.get(p.uid());
            if (b == null) {
                creates.add(p);
            } else if (!b.matches(p)) {
                updates.add(new LibraryPlan.Update(p, b.version()));
            }
        }
        List<BackendLibraryPanel> managed = actual.stream().filter(b -> managedFolders.contains(b.folderUid()))
                .toList();
        List<BackendLibraryPanel> deletes = managed.stream()
                .filter(b -> !wanted.containsKey(b.uid()) && !desired.protectedUids().contains(b.uid()))
                .sorted(Comparator.comparing(BackendLibraryPanel::uid)).toList();
        Optional<String> refused = Optional.empty();
        if (!deletes.isEmpty() && desired.holdsDeletes()) {
            refused = Optional.of("library panel deletes held back (" + deletes.size() + ") until the skipped files "
                    + "under " + ReadLibraryPanels.DIRECTORY + "/ are fixed");
        } else if (!limit.allows(deletes.size(), managed.size())) {
            refused = Optional.of("refusing to delete " + deletes.size() + " of " + managed.size()
                    + " managed library panels on " + backend + ", more than sync.max-deletes (" + limit + ")");
        }
        return new LibraryPlan(backend, creates, updates, refused.isPresent() ? List.of() : deletes, refused);
    }
}
