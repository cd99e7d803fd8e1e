package io.grafanaha.gateway.accesslog;

import ch.qos.logback.core.Context;
import ch.qos.logback.core.ContextBase;
import io.grafanaha.gateway.config.AccessLogConfig;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * Writes access-log lines without the event loop ever waiting or formatting: {@link #write} puts the line (the
 * caller's own object, see {@link AccessLine}) on a bounded multi-producer queue (Netty's JCTools
 * {@code MpscArrayQueue}: no lock, nothing allocated) and returns; when
 * the queue is full (the disk or terminal fell behind) the line is dropped and counted, the request is never slowed.
 *
 * <p>One thread, {@code access-log-writer}, takes everything queued, formats it ({@link AccessLineFormat}) straight
 * into one reusable UTF-8 buffer ({@link LineBatch}) and writes it with one {@code write} per batch
 * ({@link LineSink#batchLimit()}: 4 KiB on standard error, 64 KiB to a file). A busy gateway's lines therefore cost one
 * system call per few dozen requests. Waking on a timer rather than on each record keeps the event loop from paying
 * for a thread wake-up per request.
 *
 * <p>The timer is {@value #BUSY_DRAIN_MILLIS} ms while lines keep coming and {@value #DRAIN_MILLIS} ms once a wake-up
 * found none, so a quiet gateway wakes 20 times a second and its lines show within {@value #DRAIN_MILLIS} ms. At 40,000
 * requests a second a 50 ms wait left 2,000 lines, about 2.5 ms of formatting in one go: on two cores that burst
 * took a core from an event loop at once, which showed in the proxy's p99 (bench/README.md, "The access log's bursts").
 *
 * <p>This replaced a Logback {@code AsyncAppender}: its per-line logging event, the event's deferred-processing copy
 * and its locked {@code ArrayBlockingQueue} cost the event loop more than the line was worth (bench/README.md).
 * Logback is still used for rolling the file ({@link RollingFileSink}), driven with whole batches.
 */
public final class AccessLogWriter implements AutoCloseable {
    static final int QUEUE_SIZE = 8192;
    /** The wait after a wake-up that found no line. */
    static final long DRAIN_MILLIS = 50;
    /** The wait after a wake-up that wrote lines. */
    static final long BUSY_DRAIN_MILLIS = 5;
    private static final org.slf4j.Logger log = LoggerFactory.getLogger(AccessLogWriter.class);

    private final Queue<AccessLine> queue;
    private final LineSink sink;
    private final AccessLineFormat format;
    private final ScheduledThreadPoolExecutor thread;
    private final long busyMillis;
    private final long idleMillis;
    private final AtomicLong dropped = new AtomicLong();
    // Below: the writer thread's own, never touched by the event loops.
    private final LineBatch batch;
    private boolean failing;

    AccessLogWriter(LineSink sink, AccessLogConfig.Format format, int queueSize, long busyMillis, long idleMillis) {
        this.queue = PlatformDependent.newFixedMpscQueue(queueSize);
        this.sink = sink;
        this.format = new AccessLineFormat(format);
        this.batch = new LineBatch(sink.batchLimit() + 1024);
        this.busyMillis = busyMillis;
        this.idleMillis = idleMillis;
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "access-log-writer");
            t.setDaemon(true);
            return t;
        });
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // close() drains once more itself
        wakeIn(idleMillis);
    }

    /** Starts a writer for {@code config}: standard error, or its file rolled daily and by size. */
    public static Optional<AccessLogWriter> open(AccessLogConfig config) {
        LineSink sink = config.file().isPresent() ? new RollingFileSink(logbackContext(), config) : new StderrSink();
        return Optional.of(new AccessLogWriter(sink, config.format(), QUEUE_SIZE, BUSY_DRAIN_MILLIS, DRAIN_MILLIS));
    }

    /** The application's Logback context when Logback is the binding (its status messages show there), else a private one. */
    private static Context logbackContext() {
        return LoggerFactory.getILoggerFactory() instanceof Context context ? context : new ContextBase();
    }

    /** Queues one line and returns at once, from any thread; drops and counts it when the queue is full. */
    public void write(AccessLine line) {
        if (!queue.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    /** Lines dropped because the queue was full (the disk or terminal could not keep up). */
    public long dropped() {
        return dropped.get();
    }

    /** Writes what is queued (waiting up to two seconds for a stuck destination), then closes the file. */
    @Override
    public void close() {
        try {
            thread.execute(this::drain);
        } catch (RejectedExecutionException alreadyClosed) {
            return;
        }
        thread.shutdown(); // the periodic drain stops; the last one above still runs
        try {
            if (!thread.awaitTermination(2, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
        sink.close();
    }

    private void wakeIn(long millis) {
        try {
            thread.schedule(this::drainAndWait, millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // close() runs the last drain itself.
        }
    }

    private void drainAndWait() {
        wakeIn(drain() > 0 ? busyMillis : idleMillis);
    }

    /**
     * On the writer thread: everything queued, formatted and written in batches of at most the sink's limit; returns
     * how many lines it took.
     */
    private int drain() {
        int lines = 0;
        try {
            int limit = sink.batchLimit();
            AccessLine next;
            while ((next = queue.poll()) != null) {
                lines++;
                int before = batch.length();
                format.append(next.record(), batch);
                batch.endLine();
                if (batch.length() > limit && before > 0) {
                    send(before); // the lines before this one fill a batch; this one starts the next
                    batch.dropFirst(before);
                }
                if (batch.length() >= limit) {
                    send(batch.length());
                    batch.clear();
                }
            }
            if (batch.length() > 0) {
                send(batch.length());
                batch.clear();
            }
        } catch (RuntimeException e) {
            batch.clear(); // a task that throws would not schedule the next wake-up: lose this batch, not the log
            log.warn("access log: a batch of lines was lost", e);
        }
        return lines;
    }

    private void send(int length) {
        try {
            sink.write(batch.bytes(), length);
            failing = false;
        } catch (IOException e) {
            if (!failing) {
                log.warn("access log: cannot write its lines (they are lost until it can)", e);
            }
            failing = true;
        }
    }
}
