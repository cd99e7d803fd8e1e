package io.grafanaha.sync.writeback;

import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.SyncSettings;
import io.grafanaha.sync.SyncTarget;
import io.grafanaha.sync.actual.AppliedBlobs;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.git.GitMirror;
import io.grafanaha.sync.grafana.GrafanaClient;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes edits made in Grafana back to Git, so that they reach every other backend and are never lost.
 *
 * <p><b>Flow.</b> {@link #journal} appends the edit to the {@link Journal} ({@code <data-dir>/journal}, forced to
 * disk on the journal's own thread) and completes its stage; the write-back's own thread then takes what a relayed
 * save saved from the journal ({@link EditBody}), or reads it back from that backend, finds its
 * file at the Git head (or {@code <folder directory>/<slug>.json} for a new one), rewrites it keeping format and key
 * order ({@link DashboardFile}), commits on top of the head and pushes without force, expecting the head it built on.
 * When the push is rejected (someone else pushed first) it fetches and applies the same edit to the new head, up to
 * {@value #PUSH_ATTEMPTS} times ({@link CommitEdit}); queued edits are committed one commit each and pushed together
 * ({@link CommitBatch}). A force-push that dropped a commit this write-back made for the dashboard sends the edit to a
 * conflict branch instead of committing it again. After a push it asks the sync for a pass ({@code "write-back <uid>"}) so every other
 * backend gets the change at once. Then the journal entry is marked done.
 *
 * <p><b>Conflicts</b> ({@link EditChange}, decided from the backend's version history, see {@link EditHistory}): Git's
 * version stays on the branch, the user's is pushed to {@code gateway/conflicts/<uid>-<yyyyMMdd-HHmmss>}, and
 * {@link WriteBackEvent.Conflicted} is emitted.
 *
 * <p><b>Hold.</b> While an edit of a dashboard on a backend is in the journal, the sync's passes do not overwrite
 * that dashboard on that backend ({@link io.grafanaha.sync.actual.AppliedBlobs#setHold}), so reading it back always finds the user's version.
 * And when a pass is about to update a dashboard on a backend whose newest version was not written by a sync, that
 * version is captured instead of overwritten (once: found again, it is in Git or on a conflict branch), whether or
 * not Git's file changed since this process applied it, since another gateway may have applied that change.
 *
 * <p><b>Library panels</b> saved or deleted through the gateway are journaled like dashboards, with what the save
 * left ({@link LibraryPanelEdit}), and committed from the journal by the same code, with their own conflict rule
 * ({@link LibraryPanelChange}).
 *
 * <p><b>Polling</b> catches edits that bypass the gateway ({@link Poller}), and writes back library panels edited in
 * any instance without the gateway ({@link LibraryPanelPoller}) and alert rule groups ({@link AlertingPoller}, also at
 * once after {@link #alertingWritten}).
 *
 * <p>With {@code sync.write-back: false}, {@link #capture} only counts and logs the edit as drift.
 *
 * <p><b>Threads.</b> Committing ({@link CommitEdit}) and polling run on one daemon thread owned by this object, the
 * write-back's thread; journal writes on a second one, the journal thread ({@link JournalQueue}), so that a slow push
 * never delays an acknowledgement. {@link #journal}, {@link #wouldLoseUpdate} and {@link #status} may be called from
 * any thread and never block; {@link #capture} waits for the journal's force. The pass hold ({@link PassHold}) runs
 * on the sync's backend threads.
 */
public final class WriteBack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriteBack.class);
    static final int PUSH_ATTEMPTS = CommitEdit.PUSH_ATTEMPTS;

    private final SyncService sync;
    private final SyncSettings settings;
    private final Map<String, GrafanaClient> clients = new LinkedHashMap<>();
    private final WriteBackListener listener;
    private final AppliedBlobs blobs;
    private final Journal journal;
    private final WriteBackMirror branch;
    private final CommitEdit.Tools tools;
    private final ScheduledExecutorService thread;
    private final ScheduledExecutorService journalThread;
    private final JournalQueue journalQueue;
    private final Poller poller;
    private final LibraryPanelPoller libraryPoller;
    private final AlertingPoller alertingPoller;
    private final CommitLoop loop;
    private final HandledVersions handled = new HandledVersions();
    /** The library panel versions journaled with what they saved: polling leaves them to the journal. */
    private final HandledVersions libraryHandled = new HandledVersions();
    private final CatchUp catchUp;
    private final Clock clock;

    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong drift = new AtomicLong();
    private Duration pollInterval = Duration.ofSeconds(10);
    private volatile boolean closed;
    /** Tests: runs on the write-back's thread just before each push of the branch. */
    private volatile Runnable beforePush = () -> {};

    /**
     * Opens the journal ({@code <data-dir>/journal}) and the write-back's own bare mirror
     * ({@code <data-dir>/writeback/mirror}) and installs the hold on {@code sync}'s passes. Nothing runs until
     * {@link #start()}, except edits given to {@link #capture}.
     *
     * @param sync the sync service: its settings, backends, {@link SyncService#appliedBlobs()} and fan-out passes
     * @param threads the write-back's own two single threads (created by the caller, given to nothing else; delayed
     *     tasks should not run after shutdown); {@link #close()} shuts them down
     */
    public WriteBack(SyncService sync, WriteBackListener listener, Clock clock, WriteBackThreads threads)
            throws IOException {
        this(sync, listener, clock, threads, JournalFile::open);
    }

    /** Tests: with a journal file that can be made to fail like a full disk. */
    WriteBack(SyncService sync, WriteBackListener listener, Clock clock, WriteBackThreads threads,
            JournalFile.Opener journalFile)
            throws IOException {
        this.sync = Objects.requireNonNull(sync, "sync");
        this.settings = sync.settings();
        this.listener = Objects.requireNonNull(listener, "listener");
        this.clock = Objects.requireNonNull(clock, "clock");
        for (SyncTarget t : sync.targets()) {
            clients.put(t.name(), t.client());
        }
        this.blobs = sync.appliedBlobs();
        this.journal = new Journal(settings.dataDir(), journalFile);
        this.branch = new WriteBackMirror(GitMirror.open(settings.dataDir().resolve("writeback"), settings.source(),
                Duration.ofSeconds(30), settings.dataDir()), settings, clients, blobs);
        GitWriter writer = new GitWriter(branch.mirror(), Duration.ofSeconds(30));
        EditHistory history = new EditHistory(clients, writer, settings.path());
        EditChange rules = new EditChange(writer, branch::baseBlob, history,
                (backend, uid) -> clients.get(backend).folder(uid), settings.path());
        this.tools = new CommitEdit.Tools(settings, clients, blobs, branch, writer, history, rules, clock,
                () -> beforePush.run(), new WrittenCommits(writer::repository), new ConcurrentHashMap<>(),
                new LibraryPanelChange(writer, settings.path()));
        this.thread = Objects.requireNonNull(threads, "threads").commits();
        this.journalThread = threads.journal();
        this.journalQueue = new JournalQueue(journal, journalThread, this::wake, (edits, why) -> {
            edits.forEach(e -> emit(new WriteBackEvent.JournalFailed(e, why)));
        });
        // Without the journal's lock (held through an fsync): the catch-up is asked on event loops.
        this.catchUp = new CatchUp(journal, blobs, clients,
                (backend, uid) -> journalQueue.holds(backend, uid) || journal.pendingOn(backend, uid), handled);
        this.loop = new CommitLoop(journal, tools, catchUp::caughtUpTo, thread, () -> closed, this::report,
                (edit, error) -> emit(new WriteBackEvent.Failed(edit, error)));
        this.poller = new Poller(clients, this::capture, branch::freshState, clock, settings.deleteLimit(), handled,
                this::pending);
        this.libraryPoller = new LibraryPanelPoller(sync, clients, branch, writer, clock, libraryHandled);
        this.alertingPoller = new AlertingPoller(sync, clients, branch, writer, clock, commits::incrementAndGet,
                conflicts::incrementAndGet);
        blobs.setHold(new PassHold((backend, uid) -> pending(backend, uid) || catchUp.holds(backend, uid), clients,
                this::capture,
                uid -> history.deletedIn(uid, branch.fetchHead().id()).isPresent(),
                () -> settings.writeBack() && !closed, clock, handled));
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
        thread.execute(loop::drain);
        if (!pollInterval.isZero()) {
            sync.alertingLedger().watched(settings.writeBack()); // passes leave alerting edits to the poller
            thread.scheduleWithFixedDelay(this::poll, pollInterval.toMillis(), pollInterval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * A backend accepted an alerting write ({@code /api/v1/provisioning/...}, the ruler API): look for alerting edits
     * now rather than at the next poll round. Returns at once; rounds asked for while one waits coalesce.
     */
    public void alertingWritten(String backend) {
        if (!closed && settings.writeBack() && !pollInterval.isZero()) {
            alertingPoller.soon(thread);
        }
    }

    /**
     * Takes an edit a backend accepted, before its answer is relayed: the stage completes once the edit (with its
     * {@link CapturedEdit#body()}) is forced to disk in the journal, on the write-back's journal thread; the commit
     * happens later on the write-back's thread. With write-back off it completes at once, the edit counted as drift.
     *
     * <p>When the journal cannot be written the stage completes exceptionally (an {@link IOException}); the edit is
     * then held in memory, out of every pass on its backend, and committed like any other, the journal retried, and
     * the operator told ({@link WriteBackEvent.JournalFailed}, {@link WriteBackStatus#journalFailures()}, the log).
     *
     * @throws IllegalArgumentException when the edit names no configured backend
     */
    public CompletionStage<Void> journal(CapturedEdit edit) {
        if (!clients.containsKey(edit.backend())) {
            throw new IllegalArgumentException("no backend named '" + edit.backend() + "'; known: " + clients.keySet());
        }
        if (!settings.writeBack()) {
            drift.incrementAndGet();
            LOG.info("{}: {} of {} by {} is drift (sync.write-back is off); the next pass replaces it",
                    edit.backend(), edit.kind(), edit.uid(), edit.user().orElse("an unknown user"));
            emit(new WriteBackEvent.Drift(edit));
            return CompletableFuture.completedFuture(null);
        }
        CompletionStage<Void> written = journalQueue.submit(edit, edit.isDashboard()
                ? blobs.applied(edit.backend(), edit.uid())
                : edit.isLibraryPanel() ? sync.libraryPanelApplied(edit.backend(), edit.uid()) : Optional.empty());
        // Marked as had only once submitted: a pass that finds the version had then finds the edit pending too (it
        // overwrites a version it finds had and not pending, taking it for one already in Git).
        if (edit.kind() == CapturedEdit.Kind.DASHBOARD_SAVED) {
            edit.body().ifPresent(b -> handled.record(edit.backend(), edit.uid(), b.version()));
        }
        edit.panel().ifPresent(p -> libraryHandled.record(edit.backend(), edit.uid(), p.panel().version()));
        if (edit.kind() == CapturedEdit.Kind.LIBRARY_PANEL_DELETED) {
            libraryHandled.took(edit.backend(), edit.uid(), LibraryPanelPoller.DELETED);
        }
        return written;
    }

    /**
     * {@link #journal}, waiting: returns once the edit is in the journal on disk (or, with write-back off, counted
     * as drift). For callers on their own threads (polling, the pass hold); never call it on an event loop.
     *
     * @throws IOException if the journal cannot be written (the edit is held in memory, see {@link #journal})
     */
    public void capture(CapturedEdit edit) throws IOException {
        try {
            journal(edit).toCompletableFuture().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    /** New edits are pending: look at them on the write-back's thread. */
    private void wake() {
        if (!closed) {
            try {
                thread.execute(loop::drain);
            } catch (RejectedExecutionException e) {
                LOG.debug("write-back closing: pending edits stay in the journal for the next start");
            }
        }
    }

    /**
     * Whether saving {@code uid} on {@code backend} now could overwrite a change it has not received yet: true when
     * the blob of the uid's file at the Git head last known differs from the blob last applied to (or written back
     * from) that backend, or when a save of it acknowledged on another backend is still in the journal (after a
     * failover the last saves acknowledged on the old instance may not be in Git yet: a save of the stale copy on the
     * new one would be let through, end on a conflict branch, and hold Git's version back from that instance while
     * it is pending). Otherwise false, also when the blobs are unknown (no pass since start, or a dashboard not in
     * Git), so the guard never blocks a save it cannot reason about. A pending save elsewhere that the backend was
     * brought up to ({@link CatchUp#bringUp}) no longer counts, nor, while that save is pending, Git's older head. A
     * head made of the backend's own edits never counts against it: a commit records the head and the backend holding
     * it as one ({@link AppliedBlobs#committed}), only once pushed. {@code version} (the version the editor sends)
     * is not used: Grafana itself answers 412 when it is older than the backend's. In memory; never waits longer than
     * recording a commit takes.
     */
    public boolean wouldLoseUpdate(String backend, String uid, int version) {
        // Brought up to a save still pending (CatchUp.holds), the backend holds content newer than Git's head.
        return blobs.lacksHead(backend, uid) && !catchUp.holds(backend, uid)
                || settings.writeBack() && journal.savedElsewhere(uid, backend, catchUp.caughtUpTo(backend, uid));
    }

    /**
     * Brings a backend up to the newest acknowledged content of a dashboard before a save there (see
     * {@link CatchUp}); a backend brought up to a pending save no longer counts as lacking it for
     * {@link #wouldLoseUpdate}.
     */
    public CatchUp catchUp() {
        return catchUp;
    }

    /** Counters and backlog (see {@link WriteBackStatus}). */
    public WriteBackStatus status() {
        return new WriteBackStatus(commits.get(), conflicts.get(), journal.backlog(), drift.get(), loop.failures(),
                poller.rounds(), journalQueue.error().or(loop::lastError), journal.unwritten(),
                journalQueue.failures());
    }

    /**
     * Whether an edit of dashboard or folder {@code uid} on {@code backend} is pending (for {@link PassHold}): submitted
     * to the journal or in it. The queue is asked first, as an edit leaves it only once the journal has it.
     */
    private boolean pending(String backend, String uid) {
        return journalQueue.holds(backend, uid) || journal.pending().stream().anyMatch(e -> !e.edit().isLibraryPanel()
                && e.edit().backend().equals(backend) && e.edit().uid().equals(uid));
    }

    // ---- the write-back's thread -------------------------------------------------------------------------------

    private void poll() {
        if (!closed && settings.writeBack()) {
            try {
                poller.round();
            } catch (RuntimeException e) {
                LOG.warn("write-back polling failed: {}", e.toString());
            }
            try {
                libraryPoller.round();
            } catch (IOException | RuntimeException e) {
                LOG.warn("library panel write-back failed: {}", e.toString());
            }
            alertingPoller.safeRound(false);
        }
    }

    /** Counts, emits and asks the sync for the pass the outcome calls for. */
    private void report(CommitEdit.Outcome outcome) {
        if (outcome.event() instanceof WriteBackEvent.Committed c) {
            commits.incrementAndGet();
            if (c.edit().kind() == CapturedEdit.Kind.DASHBOARD_SAVED && c.edit().body().isPresent()
                    && outcome.blob().isPresent()) {
                catchUp.landed(c.edit(), outcome.blob().get(),
                        new CommitInfo(ObjectId.fromString(c.commit()), c.message(), clock.instant()));
            }
        } else if (outcome.event() instanceof WriteBackEvent.Conflicted) {
            conflicts.incrementAndGet();
        }
        emit(outcome.event());
        outcome.passReason().ifPresent(reason -> {
            if (outcome.headChanged()) {
                sync.requestSyncOfChange(reason);
            } else {
                sync.requestSync(reason);
            }
        });
    }

    private void emit(WriteBackEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            LOG.warn("write-back listener failed on {}: {}", event, e.toString());
        }
    }

    /**
     * Stops polling and waits up to 10 s for the edit in progress; pending edits stay in the journal for the next
     * start. Does not close the sync service.
     */
    @Override
    public void close() {
        closed = true;
        sync.alertingLedger().watched(false);
        thread.shutdown();
        journalThread.shutdown();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
            journalThread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        blobs.setHold((b, u) -> false);
        try {
            journal.close();
        } catch (IOException e) {
            LOG.warn("cannot close the write-back journal {}: {}", journal.file(), e.toString());
        }
        branch.close();
    }
}
