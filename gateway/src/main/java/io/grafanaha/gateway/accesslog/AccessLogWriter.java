package io.grafanaha.gateway.accesslog;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.EncoderBase;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import io.grafanaha.gateway.config.AccessLogConfig;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * Writes access-log lines through Logback without the event loop ever waiting: the line's values go into
 * an {@link AsyncAppender}'s queue ({@code neverBlock}: when the disk or terminal falls behind and the queue is
 * full, lines are dropped and counted, requests are never slowed), and Logback's worker thread formats them
 * ({@link AccessLineFormat}) and writes them to standard error or to a file rolled daily and by size.
 *
 * <p>Lines are written in batches: the sink does not flush after each line but when its buffer is full, and at most
 * {@value #FLUSH_MILLIS} ms after a line, so under load one write carries many lines (a system call per line cost
 * about as much CPU as proxying the request, see bench/README.md) and a quiet gateway's lines still show at once.
 *
 * <p>Each writer has its own logger ({@code access.<id>}, not additive), so the application's log and several
 * proxies in one JVM (tests) never mix their lines.
 */
public final class AccessLogWriter implements AutoCloseable {
    static final int QUEUE_SIZE = 8192;
    static final long FLUSH_MILLIS = 100;
    private static final org.slf4j.Logger log = LoggerFactory.getLogger(AccessLogWriter.class);

    private final Logger logger;
    private final CountingAsyncAppender async;
    private final Appender<ILoggingEvent> sink;

    private AccessLogWriter(Logger logger, CountingAsyncAppender async, Appender<ILoggingEvent> sink) {
        this.logger = logger;
        this.async = async;
        this.sink = sink;
    }

    /** Starts a writer for {@code config}; empty when Logback is not the SLF4J binding (an embedding application's). */
    public static java.util.Optional<AccessLogWriter> open(AccessLogConfig config) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            log.warn("access log off: it needs Logback, and another SLF4J binding is in use");
            return java.util.Optional.empty();
        }
        OutputStreamAppender<ILoggingEvent> out = config.file().isPresent() ? rollingFile(context, config) : stderr(context, config);
        CountingAsyncAppender async = new CountingAsyncAppender();
        Appender<ILoggingEvent> sink = new Batched(out);
        sink.setContext(context);
        sink.start();
        async.setContext(context);
        async.setName("access-async");
        async.setQueueSize(QUEUE_SIZE);
        async.setDiscardingThreshold(0); // never drop INFO lines early: only a full queue drops, and is counted
        async.setNeverBlock(true);
        async.setMaxFlushTime(2_000);
        async.addAppender(sink);
        async.start();
        Logger logger = context.getLogger("access." + Integer.toHexString(System.identityHashCode(async)));
        logger.setAdditive(false);
        logger.setLevel(Level.INFO);
        logger.addAppender(async);
        return java.util.Optional.of(new AccessLogWriter(logger, async, sink));
    }

    /**
     * Standard error through a 4 KiB buffer of its own (System.err flushes every write): a batch written at once is
     * at most 4 KiB, which a pipe takes whole, so the application's log lines on the same stream never cut an access
     * line in two. Stopping flushes it and leaves standard error open.
     */
    private static OutputStreamAppender<ILoggingEvent> stderr(LoggerContext context, AccessLogConfig config) {
        OutputStreamAppender<ILoggingEvent> stderr = new OutputStreamAppender<>();
        stderr.setContext(context);
        stderr.setName("access-stderr");
        stderr.setEncoder(encoder(context, config.format()));
        stderr.setImmediateFlush(false);
        stderr.setOutputStream(new FilterOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.err), 4096)) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len); // FilterOutputStream's own writes byte by byte
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        });
        stderr.start();
        return stderr;
    }

    private static OutputStreamAppender<ILoggingEvent> rollingFile(LoggerContext context, AccessLogConfig config) {
        String file = config.file().orElseThrow().toString();
        RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
        appender.setContext(context);
        appender.setName("access-file");
        appender.setFile(file);
        SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
        policy.setContext(context);
        policy.setParent(appender);
        policy.setFileNamePattern(file + ".%d{yyyy-MM-dd}.%i.gz");
        policy.setMaxFileSize(FileSize.valueOf(config.maxFileSize()));
        policy.setMaxHistory(config.maxHistory());
        policy.start();
        appender.setRollingPolicy(policy);
        appender.setEncoder(encoder(context, config.format()));
        appender.setImmediateFlush(false);
        appender.start();
        if (!appender.isStarted()) {
            throw new IllegalStateException("cannot open the access log " + file);
        }
        return appender;
    }

    private static LineEncoder encoder(LoggerContext context, AccessLogConfig.Format format) {
        LineEncoder encoder = new LineEncoder(format);
        encoder.setContext(context);
        encoder.start();
        return encoder;
    }

    /**
     * Queues one line; returns at once. The message has no placeholder, so Logback never formats the record
     * on this thread: the encoder on its worker does.
     */
    public void write(AccessRecord record) {
        logger.info("access", record);
    }

    /** Lines dropped because the queue was full (the disk or terminal could not keep up). */
    public long dropped() {
        return async.dropped.get();
    }

    /** Writes what is queued (for up to two seconds), stops and closes the file. */
    @Override
    public void close() {
        logger.detachAppender(async);
        async.stop();
        sink.stop();
    }

    /**
     * The sink, written without a flush per line: its buffer goes out when full, and {@link #FLUSH_MILLIS} after
     * the last write at the latest (a daemon timer), so a quiet gateway's lines still show at once.
     */
    private static final class Batched extends UnsynchronizedAppenderBase<ILoggingEvent> {
        private final OutputStreamAppender<ILoggingEvent> out;
        private final ScheduledExecutorService timer;
        private volatile boolean unflushed;

        Batched(OutputStreamAppender<ILoggingEvent> out) {
            this.out = out;
            setName(out.getName() + "-batched");
            this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "access-log-flush");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleWithFixedDelay(this::flush, FLUSH_MILLIS, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
        }

        @Override
        protected void append(ILoggingEvent event) {
            out.doAppend(event);
            unflushed = true;
        }

        private void flush() {
            if (!unflushed) {
                return;
            }
            unflushed = false;
            try {
                OutputStream stream = out.getOutputStream(); // a buffered stream: its methods are synchronized
                if (stream != null) {
                    stream.flush();
                }
            } catch (IOException e) {
                addError("cannot flush the access log", e);
            }
        }

        @Override
        public void stop() {
            super.stop();
            timer.shutdownNow();
            out.stop(); // flushes what is buffered
        }
    }

    /** Counts what a full queue drops: Logback's own {@code neverBlock} drops silently. */
    private static final class CountingAsyncAppender extends AsyncAppender {
        final AtomicLong dropped = new AtomicLong();

        @Override
        protected void append(ILoggingEvent event) {
            if (getRemainingCapacity() == 0) {
                dropped.incrementAndGet();
                return;
            }
            super.append(event);
        }
    }

    /** Formats the {@link AccessRecord} an event carries, one line each. */
    static final class LineEncoder extends EncoderBase<ILoggingEvent> {
        private static final byte[] NOTHING = new byte[0];
        private final AccessLogConfig.Format format;

        LineEncoder(AccessLogConfig.Format format) {
            this.format = format;
        }

        @Override
        public byte[] headerBytes() {
            return NOTHING;
        }

        @Override
        public byte[] encode(ILoggingEvent event) {
            Object[] args = event.getArgumentArray();
            if (args == null || args.length == 0 || !(args[0] instanceof AccessRecord record)) {
                return NOTHING;
            }
            return (AccessLineFormat.format(record, format) + "\n").getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] footerBytes() {
            return NOTHING;
        }
    }
}
