package io.grafanaha.sync.desired;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.eclipse.jgit.lib.ObjectId;

/**
 * What every backend must hold, read from one commit: the managed folder tree, the dashboards, and the files
 * that were skipped.
 *
 * @param commit the commit that was read
 * @param rootFolderUid the uid of the managed tree's root folder
 * @param folders every managed folder, parents before children
 * @param dashboards every usable dashboard, sorted by path
 * @param errors every skipped file, sorted by path
 */
public record DesiredState(
        ObjectId commit,
        String rootFolderUid,
        List<DesiredFolder> folders,
        List<DesiredDashboard> dashboards,
        List<FileError> errors) {

    public DesiredState {
        folders = List.copyOf(folders);
        dashboards = List.copyOf(dashboards);
        errors = List.copyOf(errors);
    }

    /** Uids of dashboards whose file was skipped: never updated, moved or deleted by a plan. */
    public Set<String> protectedUids() {
        return errors.stream().flatMap(e -> e.uid().stream()).collect(Collectors.toUnmodifiableSet());
    }

    /** Skipped files that might hold a managed dashboard of unknown uid; while any exist, nothing is deleted. */
    public List<FileError> deleteHolds() {
        return errors.stream().filter(FileError::holdsDeletes).toList();
    }

    public Map<String, DesiredFolder> foldersByUid() {
        return folders.stream().collect(Collectors.toUnmodifiableMap(DesiredFolder::uid, Function.identity()));
    }

    public Map<String, DesiredDashboard> dashboardsByUid() {
        return dashboards.stream().collect(Collectors.toUnmodifiableMap(DesiredDashboard::uid, Function.identity()));
    }

    /** uid -> the dashboard JSON, as a backend client is told what to expect. */
    public Map<String, ObjectNode> jsonByUid() {
        return dashboards.stream().collect(Collectors.toUnmodifiableMap(DesiredDashboard::uid, DesiredDashboard::json));
    }

    public Optional<DesiredDashboard> dashboard(String uid) {
        return Optional.ofNullable(dashboardsByUid().get(uid));
    }
}
