package io.grafanaha.gateway.accesslog;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.EncoderBase;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import io.grafanaha.gateway.config.AccessLogConfig;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * Writes access-log lines through Logback without the event loop ever waiting: the line's values go into
 * an {@link AsyncAppender}'s queue ({@code neverBlock}: when the disk or terminal falls behind and the queue is
 * full, lines are dropped and counted, requests are never slowed), and Logback's worker thread formats them
 * ({@link AccessLineFormat}) and writes them to standard error or to a file rolled daily and by size.
 *
 * <p>Each writer has its own logger ({@code access.<id>}, not additive), so the application's log and several
 * proxies in one JVM (tests) never mix their lines.
 */
public final class AccessLogWriter implements AutoCloseable {
    static final int QUEUE_SIZE = 8192;
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
        Appender<ILoggingEvent> sink = config.file().isPresent() ? rollingFile(context, config) : stderr(context, config);
        CountingAsyncAppender async = new CountingAsyncAppender();
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

    private static Appender<ILoggingEvent> stderr(LoggerContext context, AccessLogConfig config) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("access-stderr");
        console.setTarget("System.err");
        console.setEncoder(encoder(context, config.format()));
        console.start();
        return console;
    }

    private static Appender<ILoggingEvent> rollingFile(LoggerContext context, AccessLogConfig config) {
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
