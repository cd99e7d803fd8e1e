package io.grafanaha.sync.writeback;

import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.SyncSettings;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.GrafanaClient;
import io.grafanaha.sync.library.BackendLibraryPanel;
import io.grafanaha.sync.library.DesiredLibrary;
import io.grafanaha.sync.library.DesiredLibraryPanel;
import io.grafanaha.sync.library.LibraryClient;
import io.grafanaha.sync.library.ReadLibraryPanels;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes library panels edited in Grafana without the gateway back to Git: every poll round, each backend's library panels are listed
 * ({@code GET /api/library-elements}, one call per hundred panels); one whose version grew since the previous round
 * and whose content differs from Git's file is written to that file (a new panel in a managed folder to
 * {@code library-panels/<slug>.json}), one Git holds that vanished is deleted from Git, unless more than one and more
 * than {@code sync.max-deletes} vanished at once (a wiped instance: the next pass refills it). All changes of a round
 * go in one commit, pushed without force on the head they were read from; a rejected push is retried the next round
 * (the versions seen are only kept once pushed). The sync's own writes make a backend match Git, so they are never
 * written back. A version saved (or a delete made) through the gateway is left to the journal
 * ({@link LibraryPanelChange}), which sends an edit made over an older version to a conflict branch; for the edits
 * found here only, the last writer wins. Runs on the write-back's thread.
 */
final class LibraryPanelPoller {
    private static final Logger LOG = LoggerFactory.getLogger(LibraryPanelPoller.class);
    private static final String COMMITTER = "Grafana HA Gateway";
    private static final String COMMITTER_EMAIL = "gateway@grafana-ha-gateway.invalid";
    /** The "version" a delete journaled by the gateway is recorded under in the journaled versions. */
    static final int DELETED = -1;

    private final SyncService sync;
    private final SyncSettings settings;
    private final Map<String, GrafanaClient> clients;
    private final WriteBackMirror branch;
    private final GitWriter writer;
    private final Clock clock;
    private final HandledVersions journaled;
    /** backend → uid → version seen; a backend is absent until its first complete round. */
    private final Map<String, Map<String, Integer>> seen = new HashMap<>();

    LibraryPanelPoller(SyncService sync, Map<String, GrafanaClient> clients, WriteBackMirror branch,
            GitWriter writer, Clock clock, HandledVersions journaled) {
        this.sync = sync;
        this.settings = sync.settings();
        this.clients = clients;
        this.branch = branch;
        this.writer = writer;
        this.clock = clock;
        this.journaled = journaled;
    }

    void round() throws IOException {
        CommitInfo head = branch.fetchHead();
        DesiredState state = branch.read(head);
        DesiredLibrary lib = new ReadLibraryPanels(writer.repository()).read(state, settings.path());
        Set<String> managed = state.foldersByUid().keySet();
        Map<String, byte[]> writes = new LinkedHashMap<>();
        Set<String> deletes = new HashSet<>();
        List<String> what = new ArrayList<>();
        Set<String> written = new HashSet<>(); // the first backend's edit of a round wins
        Map<String, Map<String, Integer>> next = new HashMap<>(seen);
        for (Map.Entry<String, GrafanaClient> backend : clients.entrySet()) {
            List<BackendLibraryPanel> panels;
            try {
                panels = new LibraryClient(backend.getValue()).list();
            } catch (GrafanaApiException e) {
                LOG.debug("library panel polling of {} failed: {}", backend.getKey(), e.getMessage());
                continue;
            }
            Map<String, Integer> before = seen.get(backend.getKey());
            Map<String, Integer> now = new HashMap<>();
            for (BackendLibraryPanel p : panels) {
                Optional<DesiredLibraryPanel> inGit = lib.panel(p.uid());
                if (inGit.isEmpty() && !managed.contains(p.folderUid())) {
                    continue; // outside the managed tree: per instance
                }
                now.put(p.uid(), p.version());
                Integer last = before == null ? null : before.get(p.uid());
                boolean newer = before != null && (last == null || p.version() > last);
                // A save relayed by the gateway is the journal's: committed from there, with its conflict rule.
                if (newer && !journaled.has(backend.getKey(), p.uid(), p.version())
                        && inGit.map(g -> !p.matches(g)).orElse(true) && !lib.protectedUids().contains(p.uid())
                        && written.add(p.uid())) {
                    String path = inGit.map(DesiredLibraryPanel::path)
                            .orElseGet(() -> LibraryPanelFile.newPath(writer, head.id(), settings.path(), p));
                    writes.put(path, LibraryPanelFile.render(writer.read(head.id(), path), p, state.rootFolderUid()));
                    what.add((inGit.isPresent() ? "Update" : "Create") + " library panel \"" + p.name() + "\" ("
                            + p.uid() + ") from " + backend.getKey());
                }
            }
            if (before != null) {
                List<String> gone = before.keySet().stream().filter(u -> !now.containsKey(u)
                        && lib.panel(u).isPresent() && !journaled.has(backend.getKey(), u, DELETED)).sorted().toList();
                if (gone.size() > 1 && !settings.deleteLimit().allows(gone.size(), before.size())) {
                    LOG.warn("{}: {} of {} library panels disappeared at once, more than sync.max-deletes {}; not "
                            + "writing these deletes to Git", backend.getKey(), gone.size(), before.size(),
                            settings.deleteLimit());
                } else {
                    for (String uid : gone) {
                        deletes.add(lib.panel(uid).orElseThrow().path());
                        what.add("Delete library panel " + uid + " from " + backend.getKey());
                    }
                }
            }
            next.put(backend.getKey(), now);
        }
        if (!writes.isEmpty() || !deletes.isEmpty()) {
            deletes.removeAll(writes.keySet());
            PersonIdent committer = new PersonIdent(COMMITTER, COMMITTER_EMAIL, Date.from(clock.instant()),
                    TimeZone.getTimeZone("UTC"));
            String message = what.size() == 1 ? what.get(0) : what.size() + " library panel edits from Grafana\n\n"
                    + String.join("\n", what);
            Optional<ObjectId> commit = writer.commit(head.id(),
                    new GitWriter.Change(writes, deletes), committer, committer, message);
            if (commit.isPresent()) {
                if (writer.push(settings.source().ref(), commit.get(), head.id()) != GitWriter.Pushed.OK) {
                    LOG.info("library panel write-back: the branch moved; trying again next round");
                    return; // versions not recorded: the next round finds the same edits
                }
                writer.advanceBranch(commit.get());
                LOG.info("wrote back to Git: {}", String.join("; ", what));
                sync.requestSyncOfChange("write-back library panels");
            }
        }
        seen.clear();
        seen.putAll(next);
    }
}
