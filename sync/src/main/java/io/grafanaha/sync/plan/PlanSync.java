package io.grafanaha.sync.plan;

import io.grafanaha.sync.desired.DesiredDashboard;
import io.grafanaha.sync.desired.DesiredFolder;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.FileError;
import io.grafanaha.sync.actual.BackendState;
import io.grafanaha.sync.grafana.BackendDashboard;
import io.grafanaha.sync.grafana.BackendFolder;
import io.grafanaha.sync.json.CanonicalJson;
import io.grafanaha.sync.json.SameContent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Compares the desired state with what one backend holds and plans the difference.
 *
 * <p>Rules: dashboards are compared on normalised JSON ({@link CanonicalJson}), so nothing is planned when only
 * {@code id}, {@code version} or key order differ (no version churn). Only the managed tree (the root folder and
 * its descendants) is considered; a dashboard elsewhere is never touched, even when Git holds its uid. A protected
 * uid (its file was skipped) is neither updated nor deleted; while any skipped file might hide a dashboard of
 * unknown uid, no dashboard or folder is deleted. A folder is deleted only when everything in it is deleted or
 * moved out. A plan deleting more dashboards than {@link DeleteLimit} allows is {@link PlanResult.Refused}.
 *
 * <pre>{@code
 * PlanResult result = new PlanSync(desired, backendState).setDeleteLimit(DeleteLimit.percent(10)).call();
 * }</pre>
 */
public final class PlanSync {
    private final DesiredState desired;
    private final BackendState actual;
    private DeleteLimit deleteLimit = DeleteLimit.percent(10);

    public PlanSync(DesiredState desired, BackendState actual) {
        this.desired = Objects.requireNonNull(desired, "desired");
        this.actual = Objects.requireNonNull(actual, "actual");
    }

    /** {@code sync.max-deletes}; default 10%. */
    public PlanSync setDeleteLimit(DeleteLimit deleteLimit) {
        this.deleteLimit = Objects.requireNonNull(deleteLimit, "deleteLimit");
        return this;
    }

    public PlanResult call() {
        return new Planning().run();
    }

    /** The state of one planning run. */
    private final class Planning {
        final Map<String, BackendFolder> allFolders = actual.folders().stream()
                .collect(Collectors.toMap(BackendFolder::uid, Function.identity(), (a, b) -> a, LinkedHashMap::new));
        final Map<String, BackendFolder> managedFolders = new LinkedHashMap<>();
        final Map<String, BackendDashboard> managedDashboards = new LinkedHashMap<>();
        final Set<String> outsideUids = new HashSet<>(actual.uidsOutsideTree());
        final Map<String, DesiredFolder> desiredFolders = desired.foldersByUid();
        final Set<String> blockedFolders = new HashSet<>();
        final List<PlanOperation> folderCreates = new ArrayList<>();
        final List<PlanOperation> folderUpdates = new ArrayList<>();
        final List<PlanOperation> dashboardChanges = new ArrayList<>();
        final List<PlanOperation> dashboardDeletes = new ArrayList<>();
        final List<PlanOperation> folderDeletes = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        /** Backend dashboards that leave their current folder (deleted or moved). */
        final Set<String> leaving = new HashSet<>();
        /** The notes about deletes held back by files whose uid cannot be read (the backend stays stale). */
        final List<String> heldDeletes = new ArrayList<>();

        PlanResult run() {
            collectManagedTree();
            planFolders();
            planDashboards();
            planFolderDeletes();
            List<PlanOperation> ops = new ArrayList<>();
            ops.addAll(folderCreates);
            ops.addAll(folderUpdates);
            ops.addAll(dashboardChanges);
            ops.addAll(dashboardDeletes);
            ops.addAll(folderDeletes);
            Plan plan = new Plan(actual.name(), desired.commit(), ops, notes,
                    heldDeletes.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", heldDeletes)));
            int deletes = dashboardDeletes.size();
            int managed = managedDashboards.size();
            if (!deleteLimit.allows(deletes, managed)) {
                return new PlanResult.Refused("refusing to sync " + actual.name() + ": the plan would delete "
                        + deletes + " of " + managed + " managed dashboards, more than sync.max-deletes ("
                        + deleteLimit + ")", plan);
            }
            return new PlanResult.Ready(plan);
        }

        private void collectManagedTree() {
            Map<String, List<BackendFolder>> children = new HashMap<>();
            actual.folders().forEach(f -> f.parentUid()
                    .ifPresent(p -> children.computeIfAbsent(p, k -> new ArrayList<>()).add(f)));
            BackendFolder root = allFolders.get(desired.rootFolderUid());
            List<BackendFolder> queue = new ArrayList<>();
            if (root != null) {
                queue.add(root);
            }
            while (!queue.isEmpty()) {
                BackendFolder f = queue.remove(0);
                if (managedFolders.putIfAbsent(f.uid(), f) == null) {
                    queue.addAll(children.getOrDefault(f.uid(), List.of()));
                }
            }
            for (BackendDashboard d : actual.dashboards()) {
                if (managedFolders.containsKey(d.folderUid())) {
                    managedDashboards.put(d.uid(), d);
                } else {
                    outsideUids.add(d.uid());
                }
            }
        }

        private void planFolders() {
            for (DesiredFolder f : desired.folders()) {
                if (f.parentUid().isPresent() && blockedFolders.contains(f.parentUid().get())) {
                    blockedFolders.add(f.uid());
                    continue;
                }
                BackendFolder have = managedFolders.get(f.uid());
                if (have == null && allFolders.containsKey(f.uid())) {
                    blockedFolders.add(f.uid());
                    notes.add("folder \"" + f.title() + "\" (uid " + f.uid() + ", directory '" + f.directory()
                            + "') exists outside the managed tree; left alone, and nothing is placed in it");
                    continue;
                }
                String parentPath = f.parentUid().map(this::desiredPath).orElse("");
                if (have == null) {
                    folderCreates.add(new PlanOperation.CreateFolder(f.uid(), f.title(), f.parentUid(), parentPath));
                } else if (!have.title().equals(f.title()) || !have.parentUid().equals(f.parentUid())) {
                    folderUpdates.add(new PlanOperation.UpdateFolder(f.uid(), f.title(), f.parentUid(), have.title(),
                            have.parentUid(), parentPath, have.parentUid().map(this::backendPath).orElse("")));
                }
            }
        }

        private void planDashboards() {
            for (DesiredDashboard d : desired.dashboards()) {
                if (blockedFolders.contains(d.folderUid())) {
                    notes.add("dashboard \"" + d.title() + "\" (uid " + d.uid() + ", " + d.source().path()
                            + ") not placed: its folder exists outside the managed tree");
                    continue;
                }
                BackendDashboard have = managedDashboards.get(d.uid());
                if (have == null && outsideUids.contains(d.uid())) {
                    notes.add("dashboard uid " + d.uid() + " (" + d.source().path()
                            + ") exists outside the managed tree; left alone");
                    continue;
                }
                String path = desiredPath(d.folderUid());
                if (have == null) {
                    dashboardChanges.add(new PlanOperation.CreateDashboard(d, path));
                    continue;
                }
                boolean changed = !SameContent.same(d.json(), have.json());
                if (!have.folderUid().equals(d.folderUid())) {
                    leaving.add(have.uid());
                    dashboardChanges.add(new PlanOperation.MoveDashboard(d, have.folderUid(),
                            backendPath(have.folderUid()), path, changed));
                } else if (changed) {
                    dashboardChanges.add(new PlanOperation.UpdateDashboard(d, path, have.version()));
                }
            }
            Set<String> wanted = desired.dashboardsByUid().keySet();
            Set<String> protectedUids = desired.protectedUids();
            List<FileError> holds = desired.deleteHolds();
            List<BackendDashboard> stale = managedDashboards.values().stream()
                    .filter(b -> !wanted.contains(b.uid()))
                    .sorted(Comparator.comparing(BackendDashboard::uid)).toList();
            List<String> held = new ArrayList<>();
            for (BackendDashboard b : stale) {
                if (protectedUids.contains(b.uid())) {
                    notes.add("dashboard \"" + b.title() + "\" (uid " + b.uid() + ") kept: " + fileOf(b.uid()));
                } else if (!holds.isEmpty()) {
                    held.add(b.uid());
                } else {
                    leaving.add(b.uid());
                    dashboardDeletes.add(new PlanOperation.DeleteDashboard(b.uid(), b.title(), b.folderUid(),
                            backendPath(b.folderUid())));
                }
            }
            if (!held.isEmpty()) {
                String note = "deletes held back (" + String.join(", ", held) + ") until these files are fixed: "
                        + holds.stream().map(FileError::path).collect(Collectors.joining(", "));
                notes.add(note);
                heldDeletes.add(note);
            }
        }

        private void planFolderDeletes() {
            List<BackendFolder> stale = managedFolders.values().stream()
                    .filter(f -> !desiredFolders.containsKey(f.uid()))
                    .sorted(Comparator.comparingInt((BackendFolder f) -> -depth(f)).thenComparing(BackendFolder::uid))
                    .toList();
            if (stale.isEmpty()) {
                return;
            }
            if (!desired.deleteHolds().isEmpty()) {
                String note = "folder deletes held back (" + stale.stream().map(BackendFolder::uid)
                        .collect(Collectors.joining(", ")) + ") until these files are fixed: " + desired.deleteHolds()
                        .stream().map(FileError::path).collect(Collectors.joining(", "));
                notes.add(note);
                heldDeletes.add(note);
                return;
            }
            for (BackendFolder f : stale) {
                Optional<String> keeps = managedDashboards.values().stream()
                        .filter(d -> !leaving.contains(d.uid()) && within(d.folderUid(), f.uid()))
                        .map(BackendDashboard::uid).sorted().findFirst();
                // Desired sub-folders were moved out by an earlier UpdateFolder; dashboards are what may remain.
                if (keeps.isPresent()) {
                    notes.add("folder \"" + f.title() + "\" (uid " + f.uid() + ") kept: it still holds dashboard "
                            + keeps.get());
                    continue;
                }
                folderDeletes.add(new PlanOperation.DeleteFolder(f.uid(), f.title(),
                        f.parentUid().map(this::backendPath).orElse("")));
            }
        }

        /** Whether backend folder {@code folderUid} is {@code ancestorUid} or lies below it (before any move). */
        private boolean within(String folderUid, String ancestorUid) {
            Set<String> seen = new HashSet<>();
            for (String u = folderUid; u != null && seen.add(u); ) {
                if (u.equals(ancestorUid)) {
                    return true;
                }
                BackendFolder f = allFolders.get(u);
                u = f == null ? null : f.parentUid().orElse(null);
            }
            return false;
        }

        private int depth(BackendFolder f) {
            int depth = 0;
            Set<String> seen = new HashSet<>();
            for (BackendFolder c = f; c != null && c.parentUid().isPresent() && seen.add(c.uid()); ) {
                depth++;
                c = allFolders.get(c.parentUid().get());
            }
            return depth;
        }

        private String desiredPath(String folderUid) {
            List<String> titles = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (DesiredFolder f = desiredFolders.get(folderUid); f != null && seen.add(f.uid());
                    f = f.parentUid().map(desiredFolders::get).orElse(null)) {
                titles.add(0, f.title());
            }
            return titles.isEmpty() ? folderUid : String.join("/", titles);
        }

        private String backendPath(String folderUid) {
            if (folderUid.isEmpty()) {
                return "General";
            }
            List<String> titles = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (BackendFolder f = allFolders.get(folderUid); f != null && seen.add(f.uid());
                    f = f.parentUid().map(allFolders::get).orElse(null)) {
                titles.add(0, f.title());
            }
            return titles.isEmpty() ? folderUid : String.join("/", titles);
        }

        private String fileOf(String uid) {
            return desired.errors().stream().filter(e -> e.uid().filter(uid::equals).isPresent())
                    .map(FileError::message).findFirst().orElse("its file was skipped");
        }
    }
}
