package io.grafanaha.gateway.accesslog;

import ch.qos.logback.core.Context;
import ch.qos.logback.core.encoder.EncoderBase;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import io.grafanaha.gateway.config.AccessLogConfig;
import java.util.Arrays;

/**
 * A file rolled daily and by size ({@code <file>.<yyyy-MM-dd>.<n>.gz}, {@code max-history} days kept), through
 * Logback's {@link RollingFileAppender} driven with whole batches rather than logging events: its appender type is
 * {@code byte[]} and its encoder hands the batch through, so rolling, compression and clean-up stay Logback's
 * (tested, the same file names as before) while a batch of lines costs one event, one lock and one {@code write}.
 * A roll is decided per batch, so a file may pass {@code max-file-size} by at most one batch ({@value #BATCH} bytes).
 */
final class RollingFileSink implements LineSink {
    static final int BATCH = 64 * 1024;
    private final RollingFileAppender<byte[]> appender;

    RollingFileSink(Context context, AccessLogConfig config) {
        String file = config.file().orElseThrow().toString();
        appender = new RollingFileAppender<>();
        appender.setContext(context);
        appender.setName("access-file");
        appender.setFile(file);
        SizeAndTimeBasedRollingPolicy<byte[]> policy = new SizeAndTimeBasedRollingPolicy<>();
        policy.setContext(context);
        policy.setParent(appender);
        policy.setFileNamePattern(file + ".%d{yyyy-MM-dd}.%i.gz");
        policy.setMaxFileSize(FileSize.valueOf(config.maxFileSize()));
        policy.setMaxHistory(config.maxHistory());
        policy.start();
        appender.setRollingPolicy(policy);
        Passthrough encoder = new Passthrough();
        encoder.setContext(context);
        encoder.start();
        appender.setEncoder(encoder);
        appender.setImmediateFlush(true); // one flush per batch: the batch is the buffer
        appender.setBufferSize(new FileSize(BATCH));
        appender.start();
        if (!appender.isStarted()) {
            throw new IllegalStateException("cannot open the access log " + file);
        }
    }

    @Override
    public int batchLimit() {
        return BATCH;
    }

    @Override
    public void write(byte[] bytes, int length) {
        appender.doAppend(Arrays.copyOf(bytes, length)); // an encoder returns exactly the bytes to write: one copy a batch
    }

    @Override
    public void close() {
        appender.stop();
    }

    /** The batch is the encoded form of itself. */
    private static final class Passthrough extends EncoderBase<byte[]> {
        private static final byte[] NOTHING = new byte[0];

        @Override
        public byte[] headerBytes() {
            return NOTHING;
        }

        @Override
        public byte[] encode(byte[] batch) {
            return batch;
        }

        @Override
        public byte[] footerBytes() {
            return NOTHING;
        }
    }
}
