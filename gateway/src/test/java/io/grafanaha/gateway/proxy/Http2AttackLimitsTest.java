package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.Http2Config;
import io.grafanaha.gateway.config.TlsConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.H2FrameClient;
import io.grafanaha.gateway.testing.RawH2Client;
import io.grafanaha.gateway.testing.TestBackend;
import io.grafanaha.gateway.testing.TestCertificates;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2FrameStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The known HTTP/2 attacks, each from a client that writes frames itself, with a well-behaved client connected at the
 * same time: the offender gets GOAWAY and is closed (or, over the stream limit, its extra streams are refused), and
 * the other client is served.
 */
class Http2AttackLimitsTest {
    private static final long NO_ERROR = 0;
    private static final long REFUSED_STREAM = 0x7;
    private static final long ENHANCE_YOUR_CALM = 0xb;

    @TempDir
    Path dir;

    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TestBackend backend;
    private ProxyServer proxy;
    private H2FrameClient bystander;

    @BeforeEach
    void start() throws Exception {
        backend = track(new TestBackend("a"));
        TestCertificates.Pair pair = TestCertificates.create(dir, "gateway");
        Http2Config limits = new Http2Config(true, false, 8, 16 * 1024, 50, Duration.ofSeconds(30), 200);
        GatewayConfig config = ConfigFixture.gateway().backend("a", backend.port())
                .tls(new TlsConfig(pair.certFile(), pair.keyFile(), Duration.ofSeconds(5))).http2(limits).build();
        proxy = track(new ProxyServer(config, ConfigFixture.staticRouter(config), registry).start());
        bystander = track(H2FrameClient.tls(proxy.port()));
    }

    @AfterEach
    void closeAll() throws Exception {
        backend.release();
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(0, resource);
        return resource;
    }

    /** The client connected before the attack still gets answers on its connection. */
    private void bystanderIsServed() {
        Http2FrameStream stream = bystander.request(H2FrameClient.get("/echo"));
        await().atMost(Duration.ofSeconds(10)).until(() -> bystander.ended(stream.id()));
        assertThat(bystander.responseHeaders(stream.id()).status().toString()).isEqualTo("200");
        assertThat(bystander.goAway()).isNotDone();
    }

    /** Closed by the server, which counted a GOAWAY with an error; the frame itself, when the close let it through, agrees. */
    private void closedWithGoAway(RawH2Client attacker) throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> !attacker.isOpen());
        assertThat(registry.find("gateway.http2.goaways.sent").counters())
                .anyMatch(c -> !c.getId().getTag("error").equals("NO_ERROR") && c.count() > 0);
        if (attacker.goAway().isDone()) {
            assertThat(attacker.goAway().get()).isNotEqualTo(NO_ERROR);
        }
    }

    private double goAwaysSent(String error) {
        Counter c = registry.find("gateway.http2.goaways.sent").tag("error", error).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void rapidResetGetsGoAwayAndTheConnectionClosed() throws Exception {
        H2FrameClient attacker = track(H2FrameClient.tls(proxy.port()));

        attacker.requestAndReset(H2FrameClient.get("/"), 500);

        // The server sends GOAWAY and closes; a client still writing may see the close as a reset that overtakes the
        // GOAWAY in its receive buffer, so the server's count is the proof and the frame, when it arrives, agrees.
        await().atMost(Duration.ofSeconds(10)).until(() -> !attacker.isOpen());
        assertThat(goAwaysSent("ENHANCE_YOUR_CALM")).isPositive();
        if (attacker.goAway().isDone()) {
            assertThat(attacker.goAway().get().errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
        }
        bystanderIsServed();
    }

    @Test
    void aContinuationFloodGetsGoAway() throws Exception {
        RawH2Client attacker = track(new RawH2Client(proxy.port(), true));
        ByteBuf flood = Unpooled.buffer();
        RawH2Client.frame(flood, RawH2Client.HEADERS, RawH2Client.END_STREAM, 1, RawH2Client.requestBlock("/"));
        byte[] junk = new byte[1024];
        Arrays.fill(junk, (byte) 0x40);
        for (int i = 0; i < 1000; i++) {
            RawH2Client.frame(flood, RawH2Client.CONTINUATION, 0, 1, junk); // never END_HEADERS
        }

        attacker.send(flood);

        closedWithGoAway(attacker);
        bystanderIsServed();
    }

    @Test
    void aFloodOfEmptyContinuationFramesGetsGoAway() throws Exception {
        RawH2Client attacker = track(new RawH2Client(proxy.port(), true));
        ByteBuf flood = Unpooled.buffer();
        RawH2Client.frame(flood, RawH2Client.HEADERS, RawH2Client.END_STREAM, 1, RawH2Client.requestBlock("/"));
        for (int i = 0; i < 10_000; i++) {
            RawH2Client.frame(flood, RawH2Client.CONTINUATION, 0, 1, new byte[0]);
        }

        attacker.send(flood);

        closedWithGoAway(attacker);
        bystanderIsServed();
    }

    @Test
    void anHpackBombIsRefusedWithoutReachingGrafanaOrGrowingMemory() throws Exception {
        RawH2Client attacker = track(new RawH2Client(proxy.port(), true));
        // The classic bomb: one 4000-byte header added to the HPACK table, then referenced 1000 times with one byte each:
        // about 4 KB on the wire, 4 MB once decoded.
        ByteBuf block = Unpooled.buffer();
        block.writeBytes(RawH2Client.requestBlock("/"));
        block.writeByte(0x40).writeByte(6).writeBytes("x-bomb".getBytes());
        block.writeByte(0x7f).writeByte(0xa1).writeByte(0x1e); // value length 4000 (7-bit prefix integer)
        byte[] value = new byte[4000];
        Arrays.fill(value, (byte) 'a');
        block.writeBytes(value);
        for (int i = 0; i < 1000; i++) {
            block.writeByte(0x80 | 62); // the newest entry of the dynamic table
        }
        byte[] payload = new byte[block.readableBytes()];
        block.readBytes(payload);
        ByteBuf frames = Unpooled.buffer();
        int first = 16_000; // under the default SETTINGS_MAX_FRAME_SIZE (16384)
        boolean fits = payload.length <= first;
        RawH2Client.frame(frames, RawH2Client.HEADERS, RawH2Client.END_STREAM | (fits ? RawH2Client.END_HEADERS : 0), 1,
                Arrays.copyOfRange(payload, 0, Math.min(first, payload.length)));
        if (!fits) {
            RawH2Client.frame(frames, RawH2Client.CONTINUATION, RawH2Client.END_HEADERS, 1, Arrays.copyOfRange(payload, first, payload.length));
        }

        attacker.send(frames);

        // Netty stops adding headers past proxy.http2.max-header-list-size (it only counts the rest) and refuses the
        // stream (431, or RST_STREAM); GOAWAY is for header blocks whose encoded size is past the limit (CONTINUATION).
        await().atMost(Duration.ofSeconds(10)).until(() -> attacker.answered(1) || attacker.resetCode(1) != null);
        assertThat(backend.totalHits()).isZero();
        bystanderIsServed();
    }

    @Test
    void streamsOverTheConcurrencyLimitAreRefusedAndTheOthersServed() throws Exception {
        RawH2Client greedy = track(new RawH2Client(proxy.port(), true));
        ByteBuf streams = Unpooled.buffer();
        for (int i = 0; i < 20; i++) {
            RawH2Client.frame(streams, RawH2Client.HEADERS, RawH2Client.END_STREAM | RawH2Client.END_HEADERS, 1 + 2 * i,
                    RawH2Client.requestBlock("/hold"));
        }

        greedy.send(streams);

        // The limit is 8 (proxy.http2.max-concurrent-streams in this test): 8 reach Grafana, the other 12 are refused.
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.holding() == 8);
        await().atMost(Duration.ofSeconds(10)).until(() -> countRefused(greedy) == 12);
        assertThat(greedy.resetCode(1)).isNull();
        bystanderIsServed();
        backend.release();
        await().atMost(Duration.ofSeconds(10)).until(() -> greedy.answered(1) && greedy.answered(15));
    }

    @Test
    void aHeaderValueCarryingCrLfNeverReachesGrafanaAsAnExtraHeader() throws Exception {
        RawH2Client smuggler = track(new RawH2Client(proxy.port(), true));
        byte[] value = "b\r\nx-injected: 1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ByteBuf block = Unpooled.buffer();
        block.writeBytes(RawH2Client.requestBlock("/echo"));
        block.writeByte(0x00).writeByte(3).writeBytes("x-a".getBytes()); // literal without indexing, new name
        block.writeByte(value.length).writeBytes(value);
        byte[] payload = new byte[block.readableBytes()];
        block.readBytes(payload);
        ByteBuf frame = Unpooled.buffer();
        RawH2Client.frame(frame, RawH2Client.HEADERS, RawH2Client.END_STREAM | RawH2Client.END_HEADERS, 1, payload);

        smuggler.send(frame);

        // HTTP/1.1 toward Grafana would turn that CR LF into a header of the client's choosing: the stream is refused.
        await().atMost(Duration.ofSeconds(10)).until(() -> smuggler.resetCode(1) != null || smuggler.answered(1) || !smuggler.isOpen());
        assertThat(backend.totalHits()).isZero();
        bystanderIsServed();
    }

    private static int countRefused(RawH2Client client) {
        int n = 0;
        for (int i = 0; i < 20; i++) {
            Long code = client.resetCode(1 + 2 * i);
            if (code != null && code == REFUSED_STREAM) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aPingFloodFromAClientThatDoesNotReadGetsClosed() throws Exception {
        floodFromAClientThatDoesNotRead(RawH2Client.PING, new byte[8]);
    }

    @Test
    void aSettingsFloodFromAClientThatDoesNotReadGetsClosed() throws Exception {
        floodFromAClientThatDoesNotRead(RawH2Client.SETTINGS, new byte[0]);
    }

    /**
     * Each PING or SETTINGS must be answered; a client that never reads makes those answers pile up in the gateway.
     * Past {@code proxy.http2.max-queued-control-frames} (200 here) the connection is closed. Enough frames are sent
     * that their answers overflow the kernel's socket buffers first (about 4 MB on loopback).
     */
    private void floodFromAClientThatDoesNotRead(int type, byte[] payload) throws Exception {
        RawH2Client attacker = track(new RawH2Client(proxy.port(), false));
        for (int burst = 0; burst < 40 && attacker.isOpen(); burst++) {
            ByteBuf flood = Unpooled.buffer();
            for (int i = 0; i < 20_000; i++) {
                RawH2Client.frame(flood, type, 0, 0, payload);
            }
            attacker.send(flood);
        }
        // Slow under load: the server must first push ~4 MB of answers into the kernel before any queue up. The
        // attacker starts reading only once the server gave up on it: reading earlier would drain the answers
        // before they pile up, and on a busy machine the server may not have read the whole flood yet.
        await().atMost(Duration.ofSeconds(60)).until(() -> goAwaysSent("ENHANCE_YOUR_CALM") > 0);
        attacker.read();
        await().atMost(Duration.ofSeconds(20)).until(() -> !attacker.isOpen());
        bystanderIsServed();
    }
}
