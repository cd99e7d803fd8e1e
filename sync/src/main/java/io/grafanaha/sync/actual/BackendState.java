package io.grafanaha.sync.actual;

import io.grafanaha.sync.grafana.BackendDashboard;
import io.grafanaha.sync.grafana.BackendFolder;
import java.util.List;
import java.util.Set;

/**
 * What one backend holds, as far as the sync cares.
 *
 * <p>{@code folders} must include the managed root folder and everything under it; it may hold more. Only
 * dashboards whose folder lies in the managed tree are managed; any other dashboard given here, and every uid in
 * {@code uidsOutsideTree} (e.g. from a search), is never touched, even when Git holds the same uid.
 *
 * @param name the backend's name, for messages
 * @param folders folders with their parents
 * @param dashboards dashboards with their JSON (at least those in the managed tree)
 * @param uidsOutsideTree uids of dashboards known to live outside the managed tree, whose JSON was not fetched
 */
public record BackendState(String name, List<BackendFolder> folders, List<BackendDashboard> dashboards,
        Set<String> uidsOutsideTree) {

    public BackendState {
        folders = List.copyOf(folders);
        dashboards = List.copyOf(dashboards);
        uidsOutsideTree = Set.copyOf(uidsOutsideTree);
    }

    public static BackendState of(String name, List<BackendFolder> folders, List<BackendDashboard> dashboards) {
        return new BackendState(name, folders, dashboards, Set.of());
    }

    /** A backend that holds nothing of the managed tree yet. */
    public static BackendState empty(String name) {
        return of(name, List.of(), List.of());
    }
}
