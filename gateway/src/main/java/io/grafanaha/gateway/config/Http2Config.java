package io.grafanaha.gateway.config;

import java.time.Duration;
import java.util.Set;

/**
 * HTTP/2 on the public listener ({@code proxy.h2c}, {@code proxy.http2.*}). With TLS, ALPN offers {@code h2} when
 * {@code enabled}; {@code h2c} also accepts HTTP/2 with prior knowledge on a plain listener (an L7 load balancer in
 * front speaking h2c). The limits are what a client may do on one connection before it gets GOAWAY or a refused
 * stream: {@code maxConcurrentStreams} open streams (more are refused), {@code maxHeaderListSize} bytes of decoded
 * headers per request (HPACK bombs, CONTINUATION floods), {@code maxResets} RST_STREAM frames per
 * {@code resetWindow} (rapid reset, CVE-2023-44487), {@code maxQueuedControlFrames} answers to SETTINGS and PING
 * the client has not read yet (control-frame floods).
 */
public record Http2Config(
        boolean enabled,
        boolean h2c,
        int maxConcurrentStreams,
        int maxHeaderListSize,
        int maxResets,
        Duration resetWindow,
        int maxQueuedControlFrames) {

    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 128;
    /** The same budget as an HTTP/1.1 request head (16 KiB), so a request is refused or not the same way on both. */
    public static final int DEFAULT_MAX_HEADER_LIST_SIZE = 16 * 1024;
    /** Netty's own default since the rapid-reset fix: 200 resets in 30 s. */
    public static final int DEFAULT_MAX_RESETS = 200;
    public static final Duration DEFAULT_RESET_WINDOW = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_QUEUED_CONTROL_FRAMES = 10_000;

    public static final Http2Config DEFAULT = new Http2Config(true, false, DEFAULT_MAX_CONCURRENT_STREAMS,
            DEFAULT_MAX_HEADER_LIST_SIZE, DEFAULT_MAX_RESETS, DEFAULT_RESET_WINDOW, DEFAULT_MAX_QUEUED_CONTROL_FRAMES);

    /** The same limits with h2c (prior knowledge on a plain listener) on or off. */
    public Http2Config withH2c(boolean on) {
        return new Http2Config(enabled, on, maxConcurrentStreams, maxHeaderListSize, maxResets, resetWindow, maxQueuedControlFrames);
    }

    /** {@code proxy.h2c} and the {@code proxy.http2} section. */
    static Http2Config read(Section proxy) {
        Section s = proxy.section("http2");
        s.rejectUnknown(Set.of("enabled", "max-concurrent-streams", "max-header-list-size", "max-resets", "reset-window",
                "max-queued-control-frames"));
        Duration window = s.positiveDuration("reset-window", DEFAULT_RESET_WINDOW);
        if (window.toSeconds() < 1) {
            s.problem("reset-window", "must be at least 1s (resets are counted per whole second)");
        }
        return new Http2Config(
                s.bool("enabled", true),
                proxy.bool("h2c", false),
                s.integer("max-concurrent-streams", DEFAULT_MAX_CONCURRENT_STREAMS, 1, 10_000),
                s.integer("max-header-list-size", DEFAULT_MAX_HEADER_LIST_SIZE, 1024, 1024 * 1024),
                s.integer("max-resets", DEFAULT_MAX_RESETS, 1, 1_000_000),
                window,
                s.integer("max-queued-control-frames", DEFAULT_MAX_QUEUED_CONTROL_FRAMES, 16, 1_000_000));
    }
}
