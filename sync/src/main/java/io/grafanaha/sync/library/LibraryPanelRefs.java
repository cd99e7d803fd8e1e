package io.grafanaha.sync.library;

import com.fasterxml.jackson.databind.JsonNode;
import io.grafanaha.sync.desired.DesiredDashboard;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.FileError;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Which library panels a dashboard uses, and the dashboards that use one Git does not hold. */
final class LibraryPanelRefs {
    private LibraryPanelRefs() {}

    /** Every {@code panels[].libraryPanel.uid}, the panels of rows included. */
    static Set<String> used(JsonNode dashboard) {
        Set<String> out = new LinkedHashSet<>();
        collect(dashboard.path("panels"), out);
        return out;
    }

    private static void collect(JsonNode panels, Set<String> out) {
        for (JsonNode panel : panels) {
            String uid = panel.path("libraryPanel").path("uid").asText("");
            if (!uid.isEmpty()) {
                out.add(uid);
            }
            collect(panel.path("panels"), out);
        }
    }

    /**
     * {@code state} without the dashboards that use a library panel {@code library} does not hold, and with the
     * library's skipped files: each such dashboard is reported as a skipped file naming the panel and protected (left
     * as it is on every backend), so no backend gets a dashboard whose panel it cannot show.
     */
    static DesiredState withoutMissing(DesiredState state, DesiredLibrary library) {
        return without(state, library.byUid().keySet()::contains, library.errors(),
                "not in " + ReadLibraryPanels.DIRECTORY + "/ (or its file was skipped)");
    }

    /** {@code state} without the dashboards using one of {@code failed}, which could not be written there. */
    static DesiredState withoutFailed(DesiredState state, Set<String> failed, String backend) {
        return failed.isEmpty() ? state
                : without(state, uid -> !failed.contains(uid), List.of(), "not written to " + backend);
    }

    private static DesiredState without(DesiredState state, java.util.function.Predicate<String> available,
            List<FileError> moreErrors, String why) {
        List<DesiredDashboard> kept = new ArrayList<>();
        List<FileError> errors = new ArrayList<>(state.errors());
        for (DesiredDashboard d : state.dashboards()) {
            List<String> missing = used(d.json()).stream().filter(u -> !available.test(u)).toList();
            if (missing.isEmpty()) {
                kept.add(d);
            } else {
                errors.add(new FileError(d.source().path(), d.source().path() + ": uses library panel"
                        + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing) + ", " + why
                        + "; the dashboard is skipped until it is there", Optional.of(d.uid()), false));
            }
        }
        errors.addAll(moreErrors);
        if (kept.size() == state.dashboards().size() && moreErrors.isEmpty()) {
            return state;
        }
        errors.sort(Comparator.comparing(FileError::path));
        return new DesiredState(state.commit(), state.rootFolderUid(), state.folders(), kept, errors);
    }
}
