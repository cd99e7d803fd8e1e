package io.grafanaha.sync.writeback;

import io.grafanaha.sync.AppliedBlobs;
import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.SyncSettings;
import io.grafanaha.sync.SyncTarget;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.ReadDesiredState;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.git.FetchResult;
import io.grafanaha.sync.git.GitMirror;
import io.grafanaha.sync.grafana.DashboardVersion;
import io.grafanaha.sync.grafana.SaveMessage;
import io.grafanaha.sync.grafana.GrafanaClient;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes edits made in Grafana back to Git, so that they reach every other backend and are never lost.
 *
 * <p><b>Flow.</b> {@link #capture} appends the edit to the {@link Journal} ({@code <data-dir>/journal}, forced to
 * disk) and returns; the write-back's own thread then reads the saved dashboard back from that backend, finds its
 * file at the Git head (or {@code <folder directory>/<slug>.json} for a new one), rewrites it keeping format and key
 * order ({@link DashboardFile}), commits on top of the head and pushes without force, expecting the head it built on.
 * When the push is rejected (someone else pushed first) it fetches and applies the same edit to the new head, up to
 * {@value #PUSH_ATTEMPTS} times. After a push it asks the sync for a pass ({@code "write-back <uid>"}) so every other
 * backend gets the change at once. Then the journal entry is marked done.
 *
 * <p><b>Conflicts</b> ({@link EditChange}, decided from the backend's version history, see {@link EditHistory}): Git's
 * version stays on the branch, the user's is pushed to {@code gateway/conflicts/<uid>-<yyyyMMdd-HHmmss>}, and
 * {@link WriteBackEvent.Conflicted} is emitted.
 *
 * <p><b>Hold.</b> While an edit of a dashboard on a backend is in the journal, the sync's passes do not overwrite
 * that dashboard on that backend ({@link AppliedBlobs#setHold}), so reading it back always finds the user's version.
 * And when a pass is about to update a dashboard on a backend whose newest version was not written by a sync, that
 * version is captured instead of overwritten (once: found again, it is in Git or on a conflict branch), whether or
 * not Git's file changed since this process applied it, since another gateway may have applied that change.
 *
 * <p><b>Polling</b> catches edits that bypass the gateway: every poll interval, for each backend, the newest version
 * row of every dashboard in a managed folder is read ({@code GET .../versions?limit=1}). A version newer than the
 * one seen before whose message does not start with {@code git-sync } is captured as a save by its
 * {@code createdBy}; a dashboard seen before and gone is captured as a delete (unless more than one and more than
 * {@code sync.max-deletes} vanished in one round: a wiped database, which the next pass refills). The first round
 * only records what it sees; edits made while no gateway ran are found by the first pass instead, through the hold
 * above. Versions the sync wrote are never captured, so write-back and sync do not ping-pong, and several gateways on
 * the same repository converge: each ignores the others' {@code git-sync} versions, and when two capture the same
 * edit the second finds Git already holding it (or a conflict branch holding it) and commits nothing.
 *
 * <p>With {@code sync.write-back: false}, {@link #capture} only counts and logs the edit as drift.
 *
 * <p>All work runs on one daemon thread owned by this object; {@link #capture}, {@link #wouldLoseUpdate} and
 * {@link #status} may be called from any thread and never block on Git or Grafana.
 */
public final class WriteBack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriteBack.class);
    static final int PUSH_ATTEMPTS = 5;
    /** How far back the history is searched for the sync's last version of a dashboard. */
    private static final int HISTORY_DEPTH = 50;
    private static final String COMMITTER = "Grafana HA Gateway";
    private static final String COMMITTER_EMAIL = "gateway@grafana-ha-gateway.invalid";
    private static final DateTimeFormatter BRANCH_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    private final SyncService sync;
    private final SyncSettings settings;
    private final Map<String, GrafanaClient> clients = new LinkedHashMap<>();
    private final WriteBackListener listener;
    private final Clock clock;
    private final AppliedBlobs blobs;
    private final Journal journal;
    private final GitMirror mirror;
    private final GitWriter writer;
    private final EditHistory history;
    private final EditChange rules;
    private final ScheduledExecutorService thread;
    private final Poller poller;

    /** backend + uid → the user version a pass last handed to the write-back ({@link #takeEdit}). */
    private final Map<String, Integer> taken = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong drift = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile Optional<String> lastError = Optional.empty();
    private volatile DesiredState desired;
    private Duration pollInterval = Duration.ofSeconds(10);
    private int consecutiveFailures;
    private boolean retryScheduled;
    private volatile boolean closed;
    /** Tests: runs on the write-back's thread just before each push of the branch. */
    private volatile Runnable beforePush = () -> {};

    /**
     * Opens the journal ({@code <data-dir>/journal}) and the write-back's own bare mirror
     * ({@code <data-dir>/writeback/mirror}) and installs the hold on {@code sync}'s passes. Nothing runs until
     * {@link #start()}, except edits given to {@link #capture}.
     *
     * @param sync the sync service: its settings, backends, {@link SyncService#appliedBlobs()} and fan-out passes
     * @param thread the write-back's own single thread (created by the caller, given to nothing else; delayed tasks
     *     should not run after shutdown); {@link #close()} shuts it down
     */
    public WriteBack(SyncService sync, WriteBackListener listener, Clock clock, ScheduledExecutorService thread)
            throws IOException {
        this.sync = Objects.requireNonNull(sync, "sync");
        this.settings = sync.settings();
        this.listener = Objects.requireNonNull(listener, "listener");
        this.clock = Objects.requireNonNull(clock, "clock");
        for (SyncTarget t : sync.targets()) {
            clients.put(t.name(), t.client());
        }
        this.blobs = sync.appliedBlobs();
        this.journal = new Journal(settings.dataDir());
        this.mirror = GitMirror.open(settings.dataDir().resolve("writeback"), settings.source(),
                Duration.ofSeconds(30), settings.dataDir());
        this.writer = new GitWriter(mirror, Duration.ofSeconds(30));
        this.history = new EditHistory(clients, writer, settings.path());
        this.rules = new EditChange(writer, this::baseBlob, history, (backend, uid) -> clients.get(backend).folder(uid),
                settings.path());
        this.thread = Objects.requireNonNull(thread, "thread");
        this.poller = new Poller(clients, this::capture, this::freshState, clock, settings.deleteLimit());
        blobs.setHold(new AppliedBlobs.Hold() {
            @Override
            public boolean holds(String backend, String uid) {
                return WriteBack.this.holds(backend, uid);
            }

            @Override
            public boolean takeEdit(String backend, String uid) {
                return WriteBack.this.takeEdit(backend, uid, false);
            }

            @Override
            public boolean takeCreated(String backend, String uid) {
                return WriteBack.this.takeEdit(backend, uid, true);
            }
        });
    }

    /** How often backends are polled for edits that bypass the gateway; default 10 s; zero turns polling off. */
    public WriteBack setPollInterval(Duration value) {
        if (value.isNegative()) {
            throw new IllegalArgumentException("poll interval must not be negative, got " + value);
        }
        this.pollInterval = value;
        return this;
    }

    /** Tests: something to do on the write-back's thread just before each push of the branch (e.g. race it). */
    WriteBack beforePush(Runnable hook) {
        this.beforePush = Objects.requireNonNull(hook, "hook");
        return this;
    }

    /** Replays the journal (edits not done before a stop or crash), then polls every poll interval. */
    public void start() {
        thread.execute(this::drain);
        if (!pollInterval.isZero()) {
            thread.scheduleWithFixedDelay(this::poll, pollInterval.toMillis(), pollInterval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Takes an edit a backend accepted. Returns once it is in the journal on disk (or, with write-back off, counted
     * as drift); the work happens on the write-back's thread.
     *
     * @throws IOException if the journal cannot be written (the edit would not survive a crash)
     */
    public void capture(CapturedEdit edit) throws IOException {
        if (!clients.containsKey(edit.backend())) {
            throw new IllegalArgumentException("no backend named '" + edit.backend() + "'; known: " + clients.keySet());
        }
        if (!settings.writeBack()) {
            drift.incrementAndGet();
            LOG.info("{}: {} of {} by {} is drift (sync.write-back is off); the next pass replaces it",
                    edit.backend(), edit.kind(), edit.uid(), edit.user().orElse("an unknown user"));
            emit(new WriteBackEvent.Drift(edit));
            return;
        }
        journal.append(edit);
        if (!closed) {
            try {
                thread.execute(this::drain);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("write-back closing: {} stays in the journal for the next start", edit.uid());
            }
        }
    }

    /**
     * Whether saving {@code uid} on {@code backend} now could overwrite a change it has not received yet: true when
     * the blob of the uid's file at the Git head last known differs from the blob last applied to (or written back
     * from) that backend. False when either is unknown (no pass since start, or a dashboard not in Git), so the
     * guard never blocks a save it cannot reason about. {@code version} (the version the editor sends) is not used:
     * Grafana itself answers 412 when it is older than the backend's. In memory; never blocks.
     */
    public boolean wouldLoseUpdate(String backend, String uid, int version) {
        Optional<ObjectId> head = blobs.head(uid);
        Optional<ObjectId> applied = blobs.applied(backend, uid);
        return head.isPresent() && applied.isPresent() && !head.equals(applied);
    }

    /** Counters and backlog (see {@link WriteBackStatus}). */
    public WriteBackStatus status() {
        return new WriteBackStatus(commits.get(), conflicts.get(), journal.backlog(), drift.get(), failures.get(),
                poller.rounds(), lastError);
    }

    /** Whether a pass must leave dashboard or folder {@code uid} alone on {@code backend}: an edit there is pending. */
    private boolean holds(String backend, String uid) {
        return journal.pending().stream().anyMatch(e -> e.edit().backend().equals(backend)
                && e.edit().uid().equals(uid));
    }

    /**
     * A pass is about to overwrite {@code uid} on {@code backend} (or, {@code created}, to delete it because Git holds
     * no such dashboard): captured as a save when the newest version was not written by a sync, so a UI edit is never
     * overwritten or deleted before it is in Git or on a conflict branch; this holds when Git's file changed too
     * (another gateway may have applied that change and the edit was based on it). Each user version is taken once:
     * when the pass finds the same version again, the write-back has already committed it or put it on a conflict
     * branch, and the pass may overwrite it. When the backend cannot be asked, the pass leaves the dashboard for now.
     */
    private boolean takeEdit(String backend, String uid, boolean created) {
        if (!settings.writeBack() || closed) {
            return false;
        }
        try {
            Optional<DashboardVersion> v = clients.get(backend).latestVersion(uid);
            if (v.isEmpty() || v.get().writtenBySync()) {
                return false;
            }
            // Grafana shows version 1's message as "Initial save", hiding the stamp: the first version of a dashboard
            // Git holds is the sync creating it (as in polling), and so is one whose file Git deleted since.
            if (v.get().version() == 1 && (!created || createdFromGit(uid))) {
                return false;
            }
            Integer before = taken.put(backend + "\u0000" + uid, v.get().version());
            if (before != null && before == v.get().version()) {
                return false;
            }
            String by = v.get().createdBy();
            capture(CapturedEdit.dashboardSaved(backend, uid,
                    by.isBlank() || by.equals("Anonymous") ? Optional.empty() : Optional.of(by), clock.instant()));
            return true;
        } catch (IOException | RuntimeException e) {
            // Not knowing whether a user made it, the pass leaves it for now rather than risk losing an edit.
            LOG.warn("{}: dashboard {} differs from Git and cannot be checked for an edit made there ({}); left as "
                    + "it is until the next pass", backend, uid, e.toString());
            return true;
        }
    }

    /**
     * Whether Git had a file for {@code uid} and deleted it (so the sync created the dashboard from it), at a head
     * fetched now: the delete the pass is about to apply may be newer than this mirror.
     */
    private boolean createdFromGit(String uid) throws IOException {
        return history.deletedIn(uid, fetchHead().id()).isPresent();
    }

    // ---- the write-back's thread -------------------------------------------------------------------------------

    private void poll() {
        if (!closed && settings.writeBack()) {
            try {
                poller.round();
            } catch (RuntimeException e) {
                LOG.warn("write-back polling failed: {}", e.toString());
            }
        }
    }

    /** Processes every pending edit in order; an edit that fails is retried later, after others. */
    private void drain() {
        retryScheduled = false;
        boolean failed = false;
        Set<String> blocked = new HashSet<>();
        for (Journal.Entry entry : journal.pending()) {
            if (closed) {
                return;
            }
            CapturedEdit edit = entry.edit();
            String key = edit.backend() + "\u0000" + edit.uid();
            if (blocked.contains(key)) {
                continue;
            }
            try {
                process(edit);
                journal.done(entry.id());
                lastError = Optional.empty();
                consecutiveFailures = 0;
            } catch (IOException | RuntimeException e) {
                failed = true;
                blocked.add(key);
                failures.incrementAndGet();
                String error = edit.backend() + ": " + edit.kind() + " " + edit.uid() + " not written to Git yet: "
                        + e.getMessage();
                lastError = Optional.of(error);
                LOG.warn(error);
                emit(new WriteBackEvent.Failed(edit, error));
            }
        }
        if (failed) {
            scheduleRetry();
        } else {
            try {
                journal.compactIfIdle();
            } catch (IOException e) {
                LOG.warn("cannot compact the write-back journal {}: {}", journal.file(), e.toString());
            }
        }
    }

    private void scheduleRetry() {
        if (retryScheduled || closed) {
            return;
        }
        retryScheduled = true;
        consecutiveFailures++;
        long delay = Math.min(60_000L, 500L << Math.min(7, consecutiveFailures - 1));
        thread.schedule(this::drain, delay, TimeUnit.MILLISECONDS);
    }

    private void process(CapturedEdit edit) throws IOException {
        GrafanaClient client = clients.get(edit.backend());
        history.forget();
        long readAt = blobs.ticket();
        // Read the backend once: later attempts re-apply the same user content to a newer head.
        Reader read = switch (edit.kind()) {
            case DASHBOARD_SAVED -> {
                var saved = client.dashboard(edit.uid());
                yield head -> rules.dashboardSaved(edit, saved, head);
            }
            case DASHBOARD_DELETED -> {
                boolean there = client.dashboard(edit.uid()).isPresent();
                yield head -> rules.dashboardDeleted(edit, there, head);
            }
            case FOLDER_SAVED -> {
                var saved = client.folder(edit.uid());
                yield head -> rules.folderSaved(edit, saved, head);
            }
            case FOLDER_DELETED -> {
                boolean there = client.folder(edit.uid()).isPresent();
                yield head -> rules.folderDeleted(edit, there, head);
            }
        };
        for (int attempt = 1; attempt <= PUSH_ATTEMPTS; attempt++) {
            long fetched = blobs.ticket();
            CommitInfo head = fetchHead();
            DesiredState state = read(head);
            if (edit.isDashboard()) {
                // Another gateway may have pushed this dashboard: a pass that fetched before now must not set the
                // backend back to its older head (the user's version there may be newer than that head).
                blobs.headChanged(edit.uid(), state.dashboard(edit.uid()).map(d -> d.source().blobId()), fetched);
            }
            EditChange.Result result = read.apply(state);
            if (result instanceof EditChange.Nothing nothing) {
                LOG.info("{}: {} {}: nothing to commit: {}", edit.backend(), edit.kind(), edit.uid(), nothing.reason());
                nothing.gitBlob().ifPresent(b -> blobs.recordApplied(edit.backend(), edit.uid(), b, readAt));
                emit(new WriteBackEvent.Skipped(edit, nothing.reason()));
                if (nothing.behind()) {
                    sync.requestSync("write-back " + edit.uid() + " behind Git");
                }
                return;
            }
            EditChange.Write write = (EditChange.Write) result;
            Optional<ObjectId> commit = writer.commit(head.id(), write.change(), author(edit), committer(),
                    write.message() + "\n\nCaptured by Grafana HA Gateway (" + edit.kind() + " of " + edit.uid()
                            + " on " + edit.backend() + " at " + edit.at() + ").\n");
            if (commit.isEmpty()) {
                emit(new WriteBackEvent.Skipped(edit, "the tree at " + head.shortName() + " already holds it"));
                return;
            }
            if (write.conflict()) {
                pushConflict(edit, write, commit.get());
                return;
            }
            beforePush.run();
            if (writer.push(settings.source().ref(), commit.get(), head.id()) == GitWriter.Pushed.OK) {
                writer.advanceBranch(commit.get());
                if (edit.isDashboard()) {
                    blobs.headChanged(edit.uid(), write.blob(), blobs.ticket());
                    write.blob().ifPresentOrElse(b -> blobs.recordApplied(edit.backend(), edit.uid(), b, readAt),
                            () -> blobs.recordRemoved(edit.backend(), edit.uid(), readAt));
                }
                commits.incrementAndGet();
                LOG.info("{}: {} ({})", edit.backend(), write.message(), commit.get().abbreviate(7).name());
                emit(new WriteBackEvent.Committed(edit, commit.get().name(), write.path(), write.message()));
                sync.requestSyncOfChange("write-back " + edit.uid());
                return;
            }
            LOG.info("push of {} rejected: {} moved on; re-applying on the new head (attempt {})", edit.uid(),
                    settings.source().ref(), attempt);
        }
        throw new IOException("the branch kept moving; gave up after " + PUSH_ATTEMPTS + " attempts");
    }

    private void pushConflict(CapturedEdit edit, EditChange.Write write, ObjectId commit) throws IOException {
        String base = GitWriter.CONFLICTS + edit.uid() + "-" + BRANCH_TIME.format(clock.instant());
        String branch = base;
        // Another gateway may create the same name in the same second: a server that sees both pushes at once
        // refuses one with "already exists" or "failed to lock" rather than a plain rejection. Either way the name
        // is taken; failing here instead would retry the edit later, re-reading a backend that may have moved on.
        for (int n = 2; !created(branch, commit); n++) {
            if (n > PUSH_ATTEMPTS) {
                throw new IOException("cannot create a conflict branch " + base + "-*");
            }
            branch = base + "-" + n;
        }
        conflicts.incrementAndGet();
        LOG.warn("{}: {} conflicts with a change in Git to {}: Git's version stays on {}, the edit is on branch {}",
                edit.backend(), edit.uid(), write.path(), settings.branch(), branch);
        emit(new WriteBackEvent.Conflicted(edit, branch, commit.name(), write.path()));
        sync.requestSync("write-back conflict " + edit.uid());
    }

    /** Whether {@code branch} was created at {@code commit}; false when the name is taken or the push was refused. */
    private boolean created(String branch, ObjectId commit) {
        try {
            return writer.push("refs/heads/" + branch, commit, ObjectId.zeroId()) == GitWriter.Pushed.OK;
        } catch (IOException e) {
            LOG.info("conflict branch {} not created ({}); trying the next name", branch, e.getMessage());
            return false;
        }
    }

    /** The branch head, fetched now. */
    private CommitInfo fetchHead() throws IOException {
        FetchResult fetch = mirror.fetch();
        if (fetch instanceof FetchResult.Failed f) {
            throw new IOException(f.error());
        }
        return fetch.head().orElseThrow();
    }

    /** For polling: the managed tree at the branch head, fetched now. */
    private Optional<DesiredState> freshState() throws IOException {
        FetchResult fetch = mirror.fetch();
        if (fetch.head().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(read(fetch.head().get()));
    }

    /**
     * The blob the backend's version of {@code uid} was based on: what the sync last applied there, else (after a
     * restart) the file's blob at the commit of the newest {@code git-sync <sha>} version in the backend's history.
     */
    private Optional<ObjectId> baseBlob(String backend, String uid) {
        Optional<ObjectId> known = blobs.applied(backend, uid);
        if (known.isPresent()) {
            return known;
        }
        try {
            for (DashboardVersion v : clients.get(backend).versions(uid, HISTORY_DEPTH)) {
                if (v.writtenBySync()) {
                    return blobAt(v.message(), uid);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.info("{}: cannot tell which Git version dashboard {} was based on: {}", backend, uid, e.toString());
        }
        return Optional.empty();
    }

    private Optional<ObjectId> blobAt(String message, String uid) throws IOException {
        String rest = message.substring(SaveMessage.PREFIX.length());
        String sha = rest.contains(":") ? rest.substring(0, rest.indexOf(':')) : rest;
        if (!sha.matches("[0-9a-f]{4,40}")) {
            return Optional.empty();
        }
        ObjectId commit = mirror.repository().resolve(sha + "^{commit}");
        if (commit == null) {
            return Optional.empty();
        }
        return new ReadDesiredState(mirror.repository()).setCommit(commit).setPath(settings.path())
                .setRootFolderTitle(settings.folderTitle()).call().dashboard(uid).map(d -> d.source().blobId());
    }

    private DesiredState read(CommitInfo head) throws IOException {
        DesiredState cached = desired;
        if (cached != null && cached.commit().equals(head.id())) {
            return cached;
        }
        DesiredState state = new ReadDesiredState(mirror.repository()).setCommit(head.id())
                .setPath(settings.path()).setRootFolderTitle(settings.folderTitle()).call();
        desired = state;
        return state;
    }

    /** The Grafana user when known ({@code <login>@grafana.invalid}), else an unknown user. */
    private PersonIdent author(CapturedEdit edit) {
        String login = edit.user().orElse("unknown Grafana user");
        String email = edit.user().map(u -> u.replaceAll("[^A-Za-z0-9._+-]", "_") + "@grafana.invalid")
                .orElse("unknown@grafana.invalid");
        return new PersonIdent(login, email, Date.from(edit.at()), TimeZone.getTimeZone("UTC"));
    }

    private PersonIdent committer() {
        return new PersonIdent(COMMITTER, COMMITTER_EMAIL, Date.from(clock.instant()), TimeZone.getTimeZone("UTC"));
    }

    private void emit(WriteBackEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            LOG.warn("write-back listener failed on {}: {}", event, e.toString());
        }
    }

    /** The rule for one edit, bound to what was read from the backend. */
    @FunctionalInterface
    private interface Reader {
        EditChange.Result apply(DesiredState head) throws IOException;
    }

    /**
     * Stops polling and waits up to 10 s for the edit in progress; pending edits stay in the journal for the next
     * start. Does not close the sync service.
     */
    @Override
    public void close() {
        closed = true;
        thread.shutdown();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        blobs.setHold((b, u) -> false);
        try {
            journal.close();
        } catch (IOException e) {
            LOG.warn("cannot close the write-back journal {}: {}", journal.file(), e.toString());
        }
        mirror.close();
    }
}
