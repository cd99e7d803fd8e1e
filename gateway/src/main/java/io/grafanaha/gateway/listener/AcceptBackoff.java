package io.grafanaha.gateway.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pauses accepting when {@code accept()} fails (EMFILE / ENFILE: out of file descriptors), first for
 * 10 ms and doubling up to 1 s while it keeps failing, instead of retrying in a hot loop that burns a core
 * and starves the connections already open. The first accepted connection resets the pause. Goes on the
 * server channel ({@code ServerBootstrap.handler}), one instance per listener.
 */
public final class AcceptBackoff extends ChannelInboundHandlerAdapter {
    static final long FIRST_PAUSE_MILLIS = 10;
    static final long LONGEST_PAUSE_MILLIS = 1_000;
    private static final Logger log = LoggerFactory.getLogger(AcceptBackoff.class);

    private final String listener;
    private long pauseMillis = FIRST_PAUSE_MILLIS;
    private long failures;

    public AcceptBackoff(String listener) {
        this.listener = listener;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failures > 0) {
            log.info("{}: accepting connections again after {} failed accept(s)", listener, failures);
            failures = 0;
        }
        pauseMillis = FIRST_PAUSE_MILLIS;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        Channel server = ctx.channel();
        if (!server.config().isAutoRead()) {
            return; // already pausing
        }
        if (failures++ == 0) {
            log.warn("{}: accept failed ({}); pausing accepts, up to {} ms at a time, until it succeeds",
                    listener, cause.getMessage(), LONGEST_PAUSE_MILLIS);
        }
        server.config().setAutoRead(false);
        long pause = pauseMillis;
        pauseMillis = Math.min(LONGEST_PAUSE_MILLIS, pauseMillis * 2);
        ctx.executor().schedule(() -> {
            server.config().setAutoRead(true);
        }, pause, TimeUnit.MILLISECONDS);
    }

    /** The pause the next failure will get; for tests. */
    long nextPauseMillis() {
        return pauseMillis;
    }
}
