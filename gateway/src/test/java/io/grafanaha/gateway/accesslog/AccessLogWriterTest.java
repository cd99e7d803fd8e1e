package io.grafanaha.gateway.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.grafanaha.gateway.config.AccessLogConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AccessLogWriterTest {

    private static AccessRecord record(String requestId) {
        return new AccessRecord(1_796_000_000_123L, "203.0.113.7", null, "GET", "/api/search", "HTTP/1.1", 200, 0, 10,
                684_000, "grafana-a", 1, null, requestId, null, null, null, "agent ü", null, false);
    }

    /** Collects what is written; the first write can be held until the test lets it go. */
    private static final class Recorded implements LineSink {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final List<Integer> writes = new ArrayList<>();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release;
        final int limit;
        final AtomicInteger closed = new AtomicInteger();

        Recorded(int limit, boolean holdFirstWrite) {
            this.limit = limit;
            this.release = new CountDownLatch(holdFirstWrite ? 1 : 0);
        }

        @Override
        public int batchLimit() {
            return limit;
        }

        @Override
        public void write(byte[] bytes, int length) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                out.write(bytes, 0, length);
                writes.add(length);
            }
        }

        synchronized List<String> lines() {
            String text = out.toString(StandardCharsets.UTF_8);
            return text.isEmpty() ? List.of() : List.of(text.split("\n"));
        }

        synchronized List<Integer> writes() {
            return List.copyOf(writes);
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }

    @Test
    void aFullQueueDropsAndCountsLinesWithoutMakingTheCallerWait() {
        Recorded sink = new Recorded(4096, true);
        AccessLogWriter writer = new AccessLogWriter(sink, AccessLogConfig.Format.JSON, 16, 5, 5);
        writer.write(record("first"));
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.entered.getCount() == 0); // the writer is stuck in write

        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            for (int i = 0; i < 100; i++) {
                writer.write(record("r" + i));
            }
        });

        assertThat(writer.dropped()).isEqualTo(100 - 16);
        sink.release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.lines().size() == 17);
        assertThat(sink.lines().get(1)).contains("\"requestId\":\"r0\"");
        assertThat(sink.lines().get(16)).contains("\"requestId\":\"r15\"");
        writer.close();
    }

    @Test
    void linesAreTheFormattersTextInBatchesNoLargerThanTheSinksLimit() {
        Recorded sink = new Recorded(1024, false);
        AccessLogWriter writer = new AccessLogWriter(sink, AccessLogConfig.Format.JSON, 1024, 60_000, 60_000);
        for (int i = 0; i < 50; i++) {
            writer.write(record("r" + i));
        }

        writer.close(); // drains what is queued long before the next timed drain

        List<String> lines = sink.lines();
        assertThat(lines).hasSize(50);
        assertThat(lines.get(7)).isEqualTo(AccessLineFormat.json(record("r7")));
        assertThat(sink.writes()).hasSizeGreaterThan(1).allSatisfy(length -> assertThat(length).isLessThanOrEqualTo(1024));
        assertThat(sink.closed.get()).isEqualTo(1);
    }

    @Test
    void aLoneLineIsWrittenWithoutWaitingForMoreToFillABatch() {
        Recorded sink = new Recorded(4096, false);
        AccessLogWriter writer = new AccessLogWriter(sink, AccessLogConfig.Format.COMBINED, 1024, AccessLogWriter.BUSY_DRAIN_MILLIS,
                AccessLogWriter.DRAIN_MILLIS);
        try {
            writer.write(record("alone"));

            await().atMost(Duration.ofSeconds(5)).until(() -> sink.lines().size() == 1);
            assertThat(sink.lines().get(0)).isEqualTo(AccessLineFormat.combined(record("alone")));

            // Each wake-up sets the next one: lines after busy and idle wake-ups still come out.
            await().pollDelay(Duration.ofMillis(3 * AccessLogWriter.DRAIN_MILLIS)).atMost(Duration.ofSeconds(5)).until(() -> true);
            writer.write(record("later"));
            await().atMost(Duration.ofSeconds(5)).until(() -> sink.lines().size() == 2);
            assertThat(sink.lines().get(1)).isEqualTo(AccessLineFormat.combined(record("later")));
        } finally {
            writer.close();
        }
    }
}
