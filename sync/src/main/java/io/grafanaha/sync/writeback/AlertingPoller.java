package io.grafanaha.sync.writeback;

import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.SyncSettings;
import io.grafanaha.sync.alerting.AlertingLedger;
import io.grafanaha.sync.alerting.DesiredAlerting;
import io.grafanaha.sync.alerting.ItemEdits;
import io.grafanaha.sync.alerting.ReadAlerting;
import io.grafanaha.sync.alerting.RuleGroupEdits;
import io.grafanaha.sync.alerting.RuleGroupFile;
import io.grafanaha.sync.desired.DesiredFolder;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.ResourceFiles;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.GrafanaClient;
import io.grafanaha.sync.grafana.JsonApi;
import java.io.IOException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes alert rule groups changed in Grafana's UI (or its API, by anyone but the sync) back to Git: every poll round,
 * and at once after the gateway relayed an alerting write, each backend's groups in the managed folders are compared
 * with what it last held from Git and with Git's head ({@link RuleGroupEdits}). An edit or a new group is written, in
 * the export format, into the group's file in {@code alerting/} (a new group to
 * {@code alerting/<folder>-<group>.yaml}); a group deleted there is removed from its file (the file removed with its
 * last entry), unless more than one group and more than {@code sync.max-deletes} of the backend's rules went at once
 * (a wiped instance: the next pass refills it). A round's changes go in one commit, pushed without force on the head
 * they were read from; a rejected push is retried the next round (the ledger only moves once pushed). The sync then
 * takes the change to every other backend.
 *
 * <p>Message templates, mute timings, contact points (by uid: a rename moves the receiver to the entry of its new name)
 * and the notification policy tree Git has that were edited there are written into their entries the same way
 * ({@link ItemEdits}); ones made or deleted there are not (the instance's own, or restored by the next pass). A
 * contact point's secrets never reach Git: Grafana shows them redacted, and the file keeps its {@code ${VAR}}.
 *
 * <p>Conflicts, as for dashboards: when Git changed or removed the group since that backend last held it, Git keeps
 * its version and the backend's goes to {@code gateway/conflicts/alerting-<folder>-<group>-<yyyyMMdd-HHmmss>}; the
 * next pass then sets the backend to Git's. When two backends changed one group in the same round, the first one's
 * is committed; the other's becomes a conflict the next round. Runs on the write-back's thread.
 */
final class AlertingPoller {
    private static final Logger LOG = LoggerFactory.getLogger(AlertingPoller.class);
    private static final String COMMITTER = "Grafana HA Gateway";
    private static final String COMMITTER_EMAIL = "gateway@grafana-ha-gateway.invalid";
    private static final DateTimeFormatter BRANCH_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final SyncService sync;
    private final SyncSettings settings;
    private final Map<String, GrafanaClient> clients;
    private final WriteBackMirror branch;
    private final GitWriter writer;
    private final Clock clock;
    private final AlertingLedger ledger;
    private final Runnable committed;
    private final Runnable conflicted;
    private final AtomicBoolean queued = new AtomicBoolean();
    /** The alerting files last parsed (the write-back's thread only), and their tree and folders. */
    private Optional<DesiredAlerting> parsed = Optional.empty();
    private String parsedFrom = "";

    /**
     * @param committed called for each commit pushed to the followed branch (counted with the dashboards' commits)
     * @param conflicted called for each edit sent to a conflict branch (counted with the dashboards' conflicts)
     */
    AlertingPoller(SyncService sync, Map<String, GrafanaClient> clients, WriteBackMirror branch, GitWriter writer,
            Clock clock, Runnable committed, Runnable conflicted) {
        this.sync = sync;
        this.settings = sync.settings();
        this.clients = clients;
        this.branch = branch;
        this.writer = writer;
        this.clock = clock;
        this.ledger = sync.alertingLedger();
        this.committed = committed;
        this.conflicted = conflicted;
    }

    /** A round on {@code thread} (the write-back's) soon; calls while one waits coalesce into it. */
    void soon(Executor thread) {
        if (queued.compareAndSet(false, true)) {
            try {
                thread.execute(() -> {
                    queued.set(false);
                    safeRound(true);
                });
            } catch (RejectedExecutionException e) {
                queued.set(false); // closing
            }
        }
    }

    /**
     * {@link #round}, failures logged: the next round tries again.
     *
     * @param fetch whether to fetch the branch first (a poll round runs right after the other pollers fetched it)
     */
    void safeRound(boolean fetch) {
        try {
            round(fetch);
        } catch (IOException | RuntimeException e) {
            LOG.warn("alerting write-back failed: {}", e.toString());
        }
    }

    /** One round over every backend; nothing when Git has no {@code alerting/} directory (alerting is not managed). */
    void round(boolean fetch) throws IOException {
        Optional<CommitInfo> known = fetch ? Optional.of(branch.fetchHead()) : branch.mirror().head();
        if (known.isEmpty()) {
            return;
        }
        CommitInfo head = known.get();
        ObjectId tree = ResourceFiles.treeId(writer.repository(), head.id(), settings.path(),
                ReadAlerting.directory());
        if (tree.equals(ObjectId.zeroId())) {
            return;
        }
        DesiredState state = branch.read(head);
        // Rounds mostly find the same files: parsed again only when they or the folders they name changed.
        String source = tree.name() + " " + state.folders().hashCode();
        if (!source.equals(parsedFrom)) {
            List<ResourceFiles.File> files = ResourceFiles.read(writer.repository(), head.id(), settings.path(),
                    ReadAlerting.directory());
            parsed = files.isEmpty() ? Optional.empty() : Optional.of(ReadAlerting.withoutSecrets(state).read(files));
            parsedFrom = source;
        }
        if (parsed.isEmpty()) {
            return; // no alerting file: the sync leaves alerting alone, and so does the write-back
        }
        DesiredAlerting desired = parsed.get();
        Round round = new Round(head, state, new RuleGroupFile(state));
        for (Map.Entry<String, GrafanaClient> backend : clients.entrySet()) {
            Optional<JsonApi> api = backend.getValue().jsonApi();
            if (api.isEmpty()) {
                continue;
            }
            List<RuleGroupEdits.Edit> edits;
            try {
                edits = RuleGroupEdits.find(backend.getKey(), api.get(), state.foldersByUid().keySet(), desired,
                        ledger);
            } catch (GrafanaApiException e) {
                LOG.debug("alerting polling of {} failed: {}", backend.getKey(), e.getMessage());
                continue;
            }
            round.add(backend.getKey(), guarded(backend.getKey(), edits));
            try {
                round.addItems(backend.getKey(), ItemEdits.find(backend.getKey(), api.get(), desired, ledger));
            } catch (GrafanaApiException e) {
                LOG.debug("alerting polling of {} failed: {}", backend.getKey(), e.getMessage());
            }
        }
        round.conflicts();
        round.commit();
        ledger.persist();
    }

    /**
     * The edits without the deletes when more than one group went at once and their rules exceed
     * {@code sync.max-deletes} of the backend's: those are forgotten instead, so the next pass recreates them.
     */
    private List<RuleGroupEdits.Edit> guarded(String backend, List<RuleGroupEdits.Edit> edits) {
        List<RuleGroupEdits.Deleted> deleted = edits.stream().filter(e -> e instanceof RuleGroupEdits.Deleted)
                .map(e -> (RuleGroupEdits.Deleted) e).toList();
        int rules = deleted.stream().mapToInt(RuleGroupEdits.Deleted::rules).sum();
        int managed = ledger.applied(backend).values().stream().mapToInt(g -> g.path("rules").size()).sum();
        if (deleted.size() <= 1 || settings.deleteLimit().allows(rules, managed)) {
            return edits;
        }
        LOG.warn("{}: {} rule groups ({} of {} alert rules) disappeared at once, more than sync.max-deletes {}; not "
                + "writing these deletes to Git, the next pass restores them", backend, deleted.size(), rules, managed,
                settings.deleteLimit());
        deleted.forEach(d -> ledger.forget(backend, d.key()));
        sync.requestSync("alert rule groups vanished from " + backend);
        return edits.stream().filter(e -> !(e instanceof RuleGroupEdits.Deleted)).toList();
    }

    /** What one round writes: files changed on top of the head, and the conflicts to send to their own branches. */
    private final class Round {
        private final CommitInfo head;
        private final DesiredState state;
        private final RuleGroupFile files;
        private final Map<String, byte[]> writes = new LinkedHashMap<>();
        private final Set<String> deletes = new HashSet<>();
        private final List<String> what = new ArrayList<>();
        private final List<Runnable> onPush = new ArrayList<>();
        private final Set<String> taken = new HashSet<>(); // the first backend's change of a group in a round wins
        private final List<Conflict> conflicts = new ArrayList<>();

        Round(CommitInfo head, DesiredState state, RuleGroupFile files) {
            this.head = head;
            this.state = state;
            this.files = files;
        }

        void add(String backend, List<RuleGroupEdits.Edit> edits) throws IOException {
            for (RuleGroupEdits.Edit edit : edits) {
                if (edit instanceof RuleGroupEdits.Gone g) {
                    ledger.forget(backend, g.key()); // no longer held back from the pass that restores Git's
                    sync.requestSync("alert rule group " + g.name() + " vanished from " + backend);
                } else if (edit instanceof RuleGroupEdits.Changed c && c.conflict()) {
                    String path = path(c);
                    conflicts.add(new Conflict(backend, path, c.folderUid() + "-" + c.name(), "alert rule group \""
                            + c.name() + "\" in folder " + folderTitle(c.folderUid()), c.inGit().isPresent(),
                            old -> files.withGroup(path, old, c.folderUid(), c.export()),
                            () -> ledger.record(backend, c.key(), c.body())));
                } else if (edit instanceof RuleGroupEdits.Changed c && taken.add(c.key())) {
                    String path = path(c);
                    writes.put(path, files.withGroup(path, current(path), c.folderUid(), c.export()));
                    deletes.remove(path);
                    what.add((c.inGit().isPresent() ? "Update" : "Create") + " alert rule group \"" + c.name()
                            + "\" in folder " + folderTitle(c.folderUid()) + " from " + backend);
                    onPush.add(() -> ledger.record(backend, c.key(), c.body()));
                } else if (edit instanceof RuleGroupEdits.Deleted d && taken.add(d.key())) {
                    String path = d.inGit().path();
                    Optional<byte[]> rest = files.withoutGroup(path, current(path).orElseThrow(), d.folderUid(),
                            d.name());
                    if (rest.isPresent()) {
                        writes.put(path, rest.get());
                    } else {
                        writes.remove(path);
                        deletes.add(path);
                    }
                    what.add("Delete alert rule group \"" + d.name() + "\" in folder " + folderTitle(d.folderUid())
                            + " (" + d.rules() + " rules) from " + backend);
                    onPush.add(() -> ledger.forget(backend, d.key()));
                }
            }
        }

        /** A template, mute timing, contact point or the policy tree Git has, edited on {@code backend}. */
        void addItems(String backend, List<ItemEdits.Changed> edits) throws IOException {
            for (ItemEdits.Changed c : edits) {
                if (c.conflict()) {
                    conflicts.add(new Conflict(backend, c.path(), c.kind().equals(c.name()) ? c.kind()
                            : c.kind() + "-" + c.name(), c.describe(), true,
                            old -> files.withItem(c.path(), old.orElseThrow(), c.list(), c.name(), c.fields()),
                            () -> ledger.recordItem(backend, c.kind(), c.name(), c.body())));
                } else if (taken.add(c.kind() + ":" + c.name()) && current(c.path()).isPresent()) {
                    writes.put(c.path(), files.withItem(c.path(), current(c.path()).orElseThrow(), c.list(),
                            c.name(), c.fields()));
                    what.add("Update " + c.describe() + " from " + backend);
                    onPush.add(() -> ledger.recordItem(backend, c.kind(), c.name(), c.body()));
                    c.warning().ifPresent(w -> onPush.add(() -> LOG.warn("{}", w)));
                }
            }
        }

        /** Each conflict alone on a branch of its own made from the head; Git's branch keeps its version. */
        void conflicts() throws IOException {
            for (Conflict c : conflicts) {
                byte[] bytes = c.render().apply(writer.read(head.id(), c.path()));
                String ref = "refs/heads/" + GitWriter.CONFLICTS + "alerting-" + slug(c.name()) + "-"
                        + BRANCH_TIME.format(clock.instant());
                String message = "Conflict: " + c.what() + " changed on " + c.backend() + " while Git "
                        + (c.inGit() ? "changed" : "removed") + " it";
                Optional<ObjectId> commit = writer.commit(head.id(), new GitWriter.Change(Map.of(c.path(), bytes),
                        Set.of()), committer(), committer(), message);
                if (commit.isPresent() && writer.push(ref, commit.get(), ObjectId.zeroId()) == GitWriter.Pushed.OK) {
                    LOG.warn("{}: kept at {}; Git's version stays and is applied there again", message,
                            ref.substring("refs/heads/".length()));
                    c.record().run();
                    conflicted.run();
                    sync.requestSync("write-back alerting conflict");
                }
            }
        }

        void commit() throws IOException {
            if (writes.isEmpty() && deletes.isEmpty()) {
                return;
            }
            String message = what.size() == 1 ? what.get(0) : what.size() + " alerting edits from Grafana\n\n"
                    + String.join("\n", what);
            Optional<ObjectId> commit = writer.commit(head.id(), new GitWriter.Change(writes, deletes), committer(),
                    committer(), message);
            if (commit.isEmpty()) {
                onPush.forEach(Runnable::run); // Git's files already say so
                return;
            }
            if (writer.push(settings.source().ref(), commit.get(), head.id()) != GitWriter.Pushed.OK) {
                LOG.info("alerting write-back: the branch moved; trying again next round");
                return;
            }
            writer.advanceBranch(commit.get());
            onPush.forEach(Runnable::run);
            committed.run();
            LOG.info("wrote back to Git: {}", String.join("; ", what));
            sync.requestSyncOfChange("write-back alerting");
        }

        private Optional<byte[]> current(String path) throws IOException {
            if (writes.containsKey(path)) {
                return Optional.of(writes.get(path));
            }
            return deletes.contains(path) ? Optional.empty() : writer.read(head.id(), path);
        }

        private String path(RuleGroupEdits.Changed c) {
            return c.inGit().map(DesiredAlerting.Group::path).orElseGet(() -> RuleGroupFile.newPath(settings.path(),
                    Optional.ofNullable(state.foldersByUid().get(c.folderUid())).map(DesiredFolder::directory)
                            .orElse(c.folderUid()), c.name()));
        }

        private String folderTitle(String uid) {
            return Optional.ofNullable(state.foldersByUid().get(uid)).map(DesiredFolder::title).orElse(uid);
        }
    }

    /** How a conflicting version is written into Git's file as it is at the head (empty: no such file). */
    @FunctionalInterface
    private interface Render {
        byte[] apply(Optional<byte[]> atHead) throws IOException;
    }

    /**
     * An edit that goes to a conflict branch.
     *
     * @param name what the branch is named after
     * @param what how the message names it
     * @param inGit whether Git still has it (changed it) or removed it
     * @param record what the ledger learns once the branch is pushed
     */
    private record Conflict(String backend, String path, String name, String what, boolean inGit, Render render,
            Runnable record) {}

    private PersonIdent committer() {
        return new PersonIdent(COMMITTER, COMMITTER_EMAIL, Date.from(clock.instant()), TimeZone.getTimeZone("UTC"));
    }

    private static String slug(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    }
}
