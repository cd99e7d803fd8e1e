package io.grafanaha.sync.writeback;

import io.grafanaha.sync.grafana.GrafanaApiException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works through the journal's pending edits on the write-back's thread: runs of queued edits are committed together
 * ({@link CommitBatch}), an edit that needs its own commit (a conflict, a backend that cannot be read) alone
 * ({@link CommitEdit}); an edit that fails is retried later with backoff (0.5 s doubling to 60 s), after the others,
 * and later edits of the same dashboard on the same backend wait for it, as do later edits made on another backend
 * on top of it ({@link BuiltOn}). Every method but {@link #failures} and {@link #lastError} runs on the write-back's
 * thread.
 */
final class CommitLoop {
    private static final Logger LOG = LoggerFactory.getLogger(CommitLoop.class);
    /** The most queued edits committed together and pushed at once. */
    static final int BATCH = 100;

    /**
     * The journal id of the newest save made elsewhere that {@code backend} was brought up to before its user's next
     * save of {@code uid} ({@link CatchUp#caughtUpTo}); 0 for none.
     */
    @FunctionalInterface
    interface BuiltOn {
        long caughtUpTo(String backend, String uid);
    }

    private final Journal journal;
    private final CommitEdit.Tools tools;
    private final BuiltOn builtOn;
    private final ScheduledExecutorService thread;
    private final BooleanSupplier closed;
    private final Consumer<CommitEdit.Outcome> report;
    private final BiConsumer<CapturedEdit, String> failedEdit;
    private final AtomicLong failures = new AtomicLong();
    private volatile Optional<String> lastError = Optional.empty();
    private int consecutiveFailures;
    private boolean retryScheduled;

    /**
     * @param builtOn which save made elsewhere a backend's edits were made on top of
     * @param report what became of an edit (before it is marked done)
     * @param failedEdit an edit that could not be written now, and why
     */
    CommitLoop(Journal journal, CommitEdit.Tools tools, BuiltOn builtOn, ScheduledExecutorService thread,
            BooleanSupplier closed, Consumer<CommitEdit.Outcome> report, BiConsumer<CapturedEdit, String> failedEdit) {
        this.journal = journal;
        this.tools = tools;
        this.builtOn = builtOn;
        this.thread = thread;
        this.closed = closed;
        this.report = report;
        this.failedEdit = failedEdit;
    }

    /** Attempts that failed and will be retried. */
    long failures() {
        return failures.get();
    }

    /** The last failure, if the last attempt failed. */
    Optional<String> lastError() {
        return lastError;
    }

    /**
     * Processes every pending edit in order, runs of up to {@value #BATCH} at a time committed together
     * ({@link CommitBatch}); an edit that fails is retried later, after others (later edits of the same dashboard on
     * the same backend wait for it, and those made elsewhere on top of it when Git is what failed).
     */
    void drain() {
        retryScheduled = false;
        boolean failed = false;
        Set<String> blocked = new HashSet<>();
        List<Journal.Entry> waitedOn = new ArrayList<>();
        List<Journal.Entry> queue = new ArrayList<>(journal.pending());
        while (!queue.isEmpty() && !closed.getAsBoolean()) {
            holdBack(queue, blocked, waitedOn);
            List<Journal.Entry> run = List.copyOf(queue.subList(0, Math.min(BATCH, queue.size())));
            List<CommitBatch.Result> done = List.of();
            if (run.size() > 1) {
                try {
                    done = new CommitBatch(tools, run).call();
                } catch (IOException | RuntimeException e) {
                    LOG.info("committing {} edits together failed ({}); committing them one at a time", run.size(),
                            e.toString());
                }
            }
            for (CommitBatch.Result r : done) {
                report.accept(r.outcome());
                journal.done(r.entry().id());
                queue.remove(r.entry());
            }
            if (!done.isEmpty()) {
                lastError = Optional.empty();
                consecutiveFailures = 0;
                continue;
            }
            if (queue.isEmpty()) {
                break;
            }
            Journal.Entry entry = queue.remove(0);
            CapturedEdit edit = entry.edit();
            try {
                report.accept(new CommitEdit(tools, edit, entry.base()).call());
                journal.done(entry.id());
                lastError = Optional.empty();
                consecutiveFailures = 0;
            } catch (IOException | RuntimeException e) {
                failed = true;
                blocked.add(key(edit));
                if (!(e instanceof GrafanaApiException)) {
                    // Git failed, not the backend: an edit made on top of this one must not reach Git before it, or
                    // this one, older, would then look like a conflict with it. When the backend cannot be read the
                    // later edit goes ahead: waiting would hold it for as long as that backend is down.
                    waitedOn.add(entry);
                }
                failures.incrementAndGet();
                String error = edit.backend() + ": " + edit.kind() + " " + edit.uid() + " not written to Git yet: "
                        + e.getMessage();
                lastError = Optional.of(error);
                LOG.warn(error);
                failedEdit.accept(edit, error);
            }
        }
        tools.blobs().persist();
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

    /**
     * Takes out of {@code queue} the edits that must wait for one that failed: later edits of the same dashboard on the
     * same backend ({@code blocked}), and edits made on another backend after it was brought up ({@link CatchUp}) to
     * one of {@code waitedOn} or past it, which hold that one's content. An edit held back for one of
     * {@code waitedOn} is waited on in turn.
     */
    private void holdBack(List<Journal.Entry> queue, Set<String> blocked, List<Journal.Entry> waitedOn) {
        for (Iterator<Journal.Entry> it = queue.iterator(); it.hasNext(); ) {
            Journal.Entry e = it.next();
            String key = key(e.edit());
            if (waitedOn.stream().anyMatch(w -> key(w.edit()).equals(key) || madeOnTopOf(e, w))) {
                waitedOn.add(e);
            } else if (!blocked.contains(key)) {
                continue;
            }
            it.remove();
            blocked.add(key);
        }
    }

    /** Whether {@code later} was made on another backend after it was brought up to {@code earlier} or past it. */
    private boolean madeOnTopOf(Journal.Entry later, Journal.Entry earlier) {
        CapturedEdit edit = later.edit();
        return later.id() > earlier.id() && edit.uid().equals(earlier.edit().uid())
                && !edit.backend().equals(earlier.edit().backend())
                && builtOn.caughtUpTo(edit.backend(), edit.uid()) >= earlier.id();
    }

    private static String key(CapturedEdit edit) {
        return edit.backend() + "\u0000" + edit.uid();
    }

    private void scheduleRetry() {
        if (retryScheduled || closed.getAsBoolean()) {
            return;
        }
        retryScheduled = true;
        consecutiveFailures++;
        long delay = Math.min(60_000L, 500L << Math.min(7, consecutiveFailures - 1));
        thread.schedule(this::drain, delay, TimeUnit.MILLISECONDS);
    }
}
