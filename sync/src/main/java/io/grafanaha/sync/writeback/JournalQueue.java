package io.grafanaha.sync.writeback;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts captured edits in the {@link Journal} on the journal's own thread (never a caller's event loop, never behind a
 * slow push): edits submitted while a write is under way are written together with one force (group commit), and
 * each submitter's stage completes once its record is on disk.
 *
 * <p>When the journal cannot be written (disk full, read-only), the edits stay pending in memory (so the pass hold
 * keeps them and the write-back commits them like any other), their stages complete exceptionally, the failure is
 * counted and reported ({@code onFailure}), and the records are tried again with a backoff of 0.5 s up to 30 s until
 * they are written or their edits are done.
 *
 * <p>An edit is {@linkplain #holds held} from its {@link #submit} until the journal has it: a pass that asked the
 * journal alone would find nothing pending while the record waits for the journal thread, and overwrite the save.
 *
 * <p><b>Threads.</b> {@link #submit} and {@link #holds} from any thread; everything else on {@code thread}, which this
 * class does not own.
 */
final class JournalQueue {
    private static final Logger LOG = LoggerFactory.getLogger(JournalQueue.class);
    private static final long MAX_RETRY_MILLIS = 30_000;

    private record Queued(CapturedEdit edit, Optional<ObjectId> base, CompletableFuture<Void> written) {}

    private final Journal journal;
    private final ScheduledExecutorService thread;
    private final Runnable onWritten;
    private final BiConsumer<List<CapturedEdit>, String> onFailure;
    private final ConcurrentLinkedQueue<Queued> queue = new ConcurrentLinkedQueue<>();
    /** Per backend and uid, how many submitted edits the journal does not have yet. */
    private final Map<String, Integer> submitted = new ConcurrentHashMap<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private final AtomicLong failures = new AtomicLong();
    private volatile Optional<String> error = Optional.empty();
    private long retryMillis;
    private boolean retryScheduled;

    /**
     * @param onWritten after edits were added (written or held in memory): the write-back should look at them
     * @param onFailure the edits whose records could not be written, and why
     */
    JournalQueue(Journal journal, ScheduledExecutorService thread, Runnable onWritten,
            BiConsumer<List<CapturedEdit>, String> onFailure) {
        this.journal = journal;
        this.thread = thread;
        this.onWritten = onWritten;
        this.onFailure = onFailure;
    }

    /** Completes once the edit's record is forced to disk; exceptionally when it cannot be (the edit is held). */
    CompletionStage<Void> submit(CapturedEdit edit, Optional<ObjectId> base) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        submitted.merge(key(edit), 1, Integer::sum);
        queue.add(new Queued(edit, base, written));
        if (flushScheduled.compareAndSet(false, true)) {
            try {
                thread.execute(this::flush);
            } catch (RejectedExecutionException e) {
                flushScheduled.set(false);
                queue.remove(new Queued(edit, base, written));
                added(edit);
                written.completeExceptionally(new IOException("the write-back is closed; " + edit.kind() + " of "
                        + edit.uid() + " is not journaled"));
            }
        }
        return written;
    }

    /**
     * Whether an edit of dashboard or folder {@code uid} on {@code backend} was submitted and is not in the journal
     * yet. Ask it before {@link Journal#pending}: an edit leaves here only once the journal has it.
     */
    boolean holds(String backend, String uid) {
        return submitted.containsKey(backend + "\u0000" + uid);
    }

    private static String key(CapturedEdit edit) {
        // A library panel may share its uid with a dashboard: its edit must not hold that dashboard from passes.
        return (edit.isLibraryPanel() ? "library\u0000" : "") + edit.backend() + "\u0000" + edit.uid();
    }

    /** The journal has {@code edit} (written, or held in memory when it could not be): it holds it from now on. */
    private void added(CapturedEdit edit) {
        submitted.computeIfPresent(key(edit), (k, n) -> n == 1 ? null : n - 1);
    }

    /** Journal writes that failed since start. */
    long failures() {
        return failures.get();
    }

    /** Why the journal cannot be written now; empty when it can. */
    Optional<String> error() {
        // Nothing held in memory means nothing at risk: the retry that wrote the last held record may not have
        // cleared the error yet, and a status read between the two must not say the journal is failing.
        return journal.unwritten() == 0 ? Optional.empty() : error;
    }

    private void flush() {
        flushScheduled.set(false);
        List<Queued> batch = new ArrayList<>();
        for (Queued q = queue.poll(); q != null; q = queue.poll()) {
            batch.add(q);
        }
        if (batch.isEmpty()) {
            return;
        }
        List<CapturedEdit> edits = batch.stream().map(Queued::edit).toList();
        try {
            journal.append(edits, batch.stream().map(Queued::base).toList());
            edits.forEach(this::added);
            batch.forEach(q -> q.written().complete(null));
        } catch (IOException | RuntimeException e) {
            edits.forEach(this::added); // held in memory by the journal (Journal#append)
            failed(edits, e);
            batch.forEach(q -> q.written().completeExceptionally(e));
        }
        onWritten.run();
    }

    private void failed(List<CapturedEdit> edits, Exception e) {
        failures.incrementAndGet();
        String why = cannotWrite(e);
        error = Optional.of(why);
        LOG.error(why);
        onFailure.accept(edits, why);
        scheduleRetry();
    }

    private void scheduleRetry() {
        if (retryScheduled) {
            return;
        }
        retryScheduled = true;
        retryMillis = retryMillis == 0 ? 500 : Math.min(MAX_RETRY_MILLIS, retryMillis * 2);
        try {
            thread.schedule(this::retry, retryMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            retryScheduled = false;
        }
    }

    private void retry() {
        retryScheduled = false;
        try {
            journal.writeUnwritten();
            if (error.isPresent()) {
                LOG.info("the write-back journal {} can be written again; held edits are on disk", journal.file());
            }
            error = Optional.empty();
            retryMillis = 0;
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            error = Optional.of(cannotWrite(e));
            scheduleRetry();
        }
    }

    private String cannotWrite(Exception e) {
        return "the write-back journal " + journal.file() + " cannot be written (" + e.getMessage() + "); "
                + journal.unwritten() + " edit(s) held in memory and out of every pass until they are in Git";
    }
}
