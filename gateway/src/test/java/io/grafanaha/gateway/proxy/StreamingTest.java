package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.TestBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Large bodies stream through without being buffered. 200 MB keeps CI quick; the 1 GB with a
 * 128 MB heap is the same test with bigger numbers:
 *
 * <pre>
 * mvn -pl gateway -am test -Dtest=StreamingTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dstreaming.bytes=1073741824 -DargLine=-Xmx128m
 * </pre>
 *
 * The proof is Netty's own allocator: the memory it holds stays a few MB (socket-sized reads in
 * flight), while the payload is hundreds of MB.
 */
class StreamingTest {
    private static final long BYTES = Long.getLong("streaming.bytes", 200L * 1024 * 1024);
    private static final long MEMORY_BOUND = 64L * 1024 * 1024;

    private final TestBackend backend = new TestBackend("a");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final AtomicLong peakNettyMemory = new AtomicLong();
    private ProxyServer proxy;

    @BeforeEach
    void start() {
        GatewayConfig config = ConfigFixture.gateway().backend("a", backend.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();
    }

    @AfterEach
    void stop() {
        proxy.shutdown(Duration.ZERO);
        backend.close();
    }

    private long nettyMemory() {
        var metric = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        long used = metric.usedDirectMemory() + metric.usedHeapMemory();
        peakNettyMemory.accumulateAndGet(used, Math::max);
        return used;
    }

    private static CRC32 expectedCrc(long n) {
        CRC32 crc = new CRC32();
        byte[] chunk = TestBackend.pattern(64 * 1024);
        for (long left = n; left > 0; left -= chunk.length) {
            crc.update(chunk, 0, (int) Math.min(chunk.length, left));
        }
        return crc;
    }

    @Test
    void largeDownloadStreamsWithBoundedMemory() throws Exception {
        HttpResponse<InputStream> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/download?n=" + BYTES)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        CRC32 crc = new CRC32();
        long total = 0;
        byte[] buf = new byte[256 * 1024];
        try (InputStream in = response.body()) {
            for (int r, reads = 0; (r = in.read(buf)) > 0; reads++) {
                crc.update(buf, 0, r);
                total += r;
                if (reads % 64 == 0) {
                    nettyMemory();
                }
            }
        }
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(total).isEqualTo(BYTES);
        assertThat(crc.getValue()).isEqualTo(expectedCrc(BYTES).getValue());
        assertThat(peakNettyMemory.get()).isLessThan(MEMORY_BOUND);
    }

    @Test
    void largeUploadStreamsWithBoundedMemory() throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/upload"))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(BYTES)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("bytes=" + BYTES + " crc=" + expectedCrc(BYTES).getValue());
        assertThat(peakNettyMemory.get()).isLessThan(MEMORY_BOUND);
    }

    @Test
    void aClientThatStopsReadingStopsTheBackendToo() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.getOutputStream().write(("GET /download?n=" + BYTES + " HTTP/1.1\r\nHost: g\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(socket.getInputStream().read(new byte[1024])).isPositive();

            // The client reads nothing more: TCP buffers fill, then the gateway must stop reading the backend.
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.downloadBytesWritten() > 0);
            await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5))
                    .until(() -> backend.downloadBytesWritten() < MEMORY_BOUND && nettyMemory() < MEMORY_BOUND);
        }
    }

    /** The /download pattern as an upload, counting Netty memory as it is consumed. */
    private final class PatternStream extends InputStream {
        private final byte[] chunk = TestBackend.pattern(64 * 1024);
        private long left;
        private int pos;
        private int reads;

        PatternStream(long size) {
            this.left = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            if (++reads % 64 == 0) {
                nettyMemory();
            }
            int n = (int) Math.min(Math.min(len, chunk.length - pos), left);
            System.arraycopy(chunk, pos, b, off, n);
            pos = (pos + n) % chunk.length;
            left -= n;
            return n;
        }
    }
}
