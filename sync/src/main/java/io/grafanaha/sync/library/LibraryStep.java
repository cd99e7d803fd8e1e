package io.grafanaha.sync.library;

import io.grafanaha.sync.desired.DesiredFolder;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.ResourceFiles;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.GrafanaClient;
import io.grafanaha.sync.plan.DeleteLimit;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Library panels in a pass, around the dashboard step. {@link #read} runs once per commit on the pass thread (the
 * dashboards using a panel Git lacks leave the desired state there); {@link #beforeDashboards} and
 * {@link #afterDashboards} run on each backend's thread, so what lies between them is kept per backend.
 */
public final class LibraryStep {
    private static final Logger LOG = LoggerFactory.getLogger(LibraryStep.class);

    private final String syncPath;
    private final DeleteLimit deleteLimit;
    private final Map<String, LibraryPlan> deletesPending = new ConcurrentHashMap<>();
    /** backend → uid → the blob of Git's file this process last wrote (or found) there; in memory only. */
    private final Map<String, Map<String, ObjectId>> applied = new ConcurrentHashMap<>();
    private final boolean writeBack;
    /** backend → Git's panels as last applied there with no failure; in memory only. */
    private final Map<String, Settled> settled = new ConcurrentHashMap<>();
    private volatile DesiredLibrary library;
    /** What {@link #library} was read from; the panels depend on nothing else. */
    private volatile Source readFrom;

    private record Source(ObjectId tree, String rootFolderUid, Set<String> folders) {}

    /**
     * @param syncPath {@code sync.path}, normalised
     * @param deleteLimit {@code sync.max-deletes}, counted over library panels on their own
     * @param writeBack {@code sync.write-back}: a panel edited on a backend while its file did not change is then
     *     left for the write-back ({@link io.grafanaha.sync.writeback.LibraryPanelPoller}), not set back to Git's
     */
    public LibraryStep(String syncPath, DeleteLimit deleteLimit, boolean writeBack) {
        this.writeBack = writeBack;
        this.syncPath = Objects.requireNonNull(syncPath, "syncPath");
        this.deleteLimit = Objects.requireNonNull(deleteLimit, "deleteLimit");
    }

    /**
     * What a backend's part of the pass goes on with: the dashboards it may apply, what failed, and whether folders
     * were created for panels (what was read of the backend before is then out of date).
     */
    public record Before(DesiredState desired, Optional<String> error, boolean createdFolders) {}

    /** What of Git's panels decides a backend's library plan: each panel's blob, the protected uids, the hold. */
    private record Settled(Map<String, ObjectId> blobs, Set<String> protectedUids, boolean holdsDeletes) {
        static Settled of(DesiredLibrary lib) {
            Map<String, ObjectId> blobs = new HashMap<>();
            lib.panels().forEach(p -> blobs.put(p.uid(), p.blobId()));
            return new Settled(blobs, lib.protectedUids(), lib.holdsDeletes());
        }
    }

    /** The blob of {@code uid}'s file this process last wrote to (or found on) {@code backend}; in memory only. */
    public Optional<ObjectId> applied(String backend, String uid) {
        Map<String, ObjectId> there = applied.get(backend);
        return there == null ? Optional.empty() : Optional.ofNullable(there.get(uid));
    }

    /** Reads the panels at {@code state}'s commit and returns {@code state} without dashboards using a missing one. */
    public DesiredState read(Repository repository, DesiredState state) throws IOException {
        // A commit that left library-panels/ and the folders alone (most pushes) costs no parsing.
        Source source = new Source(ResourceFiles.treeId(repository, state.commit(), syncPath,
                ReadLibraryPanels.DIRECTORY), state.rootFolderUid(), Set.copyOf(state.foldersByUid().keySet()));
        DesiredLibrary last = library;
        DesiredLibrary read = last != null && source.equals(readFrom)
                ? new DesiredLibrary(state.commit(), last.panels(), last.errors(), last.protectedUids(),
                        last.holdsDeletes())
                : new ReadLibraryPanels(repository).read(state, syncPath);
        library = read;
        readFrom = source;
        return LibraryPanelRefs.withoutMissing(state, read);
    }

    /** {@code sync --dry-run}: what this backend needs, nothing written. */
    public LibraryPlan plan(GrafanaClient client, DesiredState desired) throws GrafanaApiException {
        return PlanLibrary.plan(client.name(), current(desired), new LibraryClient(client).list(),
                desired.foldersByUid().keySet(), deleteLimit);
    }

    /**
     * Creates and updates the panels this backend lacks or holds otherwise. The dashboards using a panel that could
     * not be written are left out of the returned state (protected: not half-applied); its deletes wait for
     * {@link #afterDashboards}.
     */
    public Before beforeDashboards(GrafanaClient client, DesiredState desired) {
        return beforeDashboards(client, desired, true);
    }

    /**
     * As above; with {@code checkBackend} false (a pass after a push, see {@link io.grafanaha.sync.actual.KnownTree})
     * the backend is not asked at all when Git's panels are exactly those this process last applied there without a
     * failure: a push that changed no panel costs no listing. Edits made there are found by the next full pass.
     */
    public Before beforeDashboards(GrafanaClient client, DesiredState desired, boolean checkBackend) {
        LibraryClient c = new LibraryClient(client);
        DesiredLibrary lib = current(desired);
        Settled now = Settled.of(lib);
        Settled last = settled.remove(client.name()); // put back only if this backend's part succeeds
        if (!checkBackend && now.equals(last)) {
            settled.put(client.name(), last);
            return new Before(desired, Optional.empty(), false);
        }
        LibraryPlan plan;
        try {
            plan = PlanLibrary.plan(client.name(), lib, c.list(), desired.foldersByUid().keySet(), deleteLimit);
        } catch (GrafanaApiException e) {
            Set<String> all = new HashSet<>(lib.byUid().keySet());
            return new Before(LibraryPanelRefs.withoutFailed(desired, all, client.name()),
                    Optional.of("cannot read library panels: " + e.getMessage()), false);
        }
        List<String> failures = new ArrayList<>();
        Set<String> failed = new HashSet<>();
        Set<String> folders = new HashSet<>();
        Set<String> created = new HashSet<>();
        int made = 0;
        for (DesiredLibraryPanel p : plan.creates()) {
            try {
                ensureFolder(client, desired.foldersByUid(), p.folderUid(), folders, created);
                c.create(p);
                made++;
            } catch (GrafanaApiException e) {
                failures.add("create library panel " + p.uid() + " (" + p.path() + "): " + e.getMessage());
                failed.add(p.uid());
            }
        }
        Map<String, ObjectId> there = applied.computeIfAbsent(client.name(), k -> new ConcurrentHashMap<>());
        int updated = 0;
        for (LibraryPlan.Update u : plan.updates()) {
            if (writeBack && u.panel().blobId().equals(there.get(u.panel().uid()))) {
                LOG.info("{}: library panel {} was edited there; left for the write-back", client.name(),
                        u.panel().uid());
                continue;
            }
            try {
                ensureFolder(client, desired.foldersByUid(), u.panel().folderUid(), folders, created);
                c.update(u.panel(), u.version());
                updated++;
            } catch (GrafanaApiException e) {
                failures.add("update library panel " + u.panel().uid() + " (" + u.panel().path() + "): "
                        + e.getMessage());
                failed.add(u.panel().uid());
            }
        }
        for (DesiredLibraryPanel p : lib.panels()) {
            if (!failed.contains(p.uid())) {
                there.put(p.uid(), p.blobId());
            }
        }
        deletesPending.put(client.name(), plan);
        if (failures.isEmpty()) {
            settled.put(client.name(), now); // taken back by afterDashboards if a delete fails
        }
        if (made + updated > 0) {
            LOG.info("{}: {} library panel(s) created, {} updated", client.name(), made, updated);
        }
        return new Before(LibraryPanelRefs.withoutFailed(desired, failed, client.name()), summary(failures),
                !created.isEmpty());
    }

    /** Deletes the managed panels Git no longer holds, now that no dashboard of Git's uses them. */
    public Optional<String> afterDashboards(GrafanaClient client) {
        LibraryPlan plan = deletesPending.remove(client.name());
        if (plan == null) {
            return Optional.empty();
        }
        List<String> failures = new ArrayList<>();
        LibraryClient c = new LibraryClient(client);
        for (BackendLibraryPanel p : plan.deletes()) {
            try {
                c.delete(p.uid());
            } catch (GrafanaApiException e) {
                failures.add("delete library panel " + p.uid() + ": " + e.getMessage());
            }
        }
        plan.refused().ifPresent(r -> failures.add(0, r)); // logged by the pass, with the backend's other errors
        if (!failures.isEmpty()) {
            settled.remove(client.name());
        }
        return summary(failures);
    }

    /**
     * Creates a managed folder (and those above it) that the backend lacks, as the dashboard step would right after:
     * a panel lives in a folder, and must be there before the dashboards, which are applied with their folders.
     */
    private static void ensureFolder(GrafanaClient client, Map<String, DesiredFolder> folders, String uid,
            Set<String> there, Set<String> created) throws GrafanaApiException {
        DesiredFolder f = folders.get(uid);
        if (uid.isEmpty() || f == null || there.contains(uid)) {
            return;
        }
        if (f.parentUid().isPresent()) {
            ensureFolder(client, folders, f.parentUid().get(), there, created);
        }
        if (client.folder(uid).isEmpty()) {
            client.createFolder(uid, f.title(), f.parentUid());
            created.add(uid);
        }
        there.add(uid);
    }

    private DesiredLibrary current(DesiredState desired) {
        DesiredLibrary lib = library;
        if (lib == null || !lib.commit().equals(desired.commit())) {
            throw new IllegalStateException("library panels of " + desired.commit().name() + " were not read");
        }
        return lib;
    }

    private static Optional<String> summary(List<String> failures) {
        return failures.isEmpty() ? Optional.empty() : Optional.of(failures.get(0)
                + (failures.size() > 1 ? " (and " + (failures.size() - 1) + " more failures)" : ""));
    }
}
