package io.grafanaha.gateway.proxy;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The final response of a watched request ({@link RequestObserver}): its body copied for the observer
 * ({@link ResponseTee}) and, while it stays within {@code cap} bytes, the messages themselves held back
 * from the client until the observer's release gate opens. A response that outgrows the cap is let go:
 * the client gets what was held and the rest streams as usual.
 */
final class HeldResponse {
    private static final Logger log = LoggerFactory.getLogger(HeldResponse.class);

    private final int cap;
    private final int status;
    private final ResponseTee copy;
    private final List<HttpObject> held = new ArrayList<>();
    private long heldBytes;
    private boolean holding = true;
    private ScheduledFuture<?> timer;

    HeldResponse(HttpResponse head, int cap) {
        this.cap = cap;
        this.status = head.status().code();
        this.copy = new ResponseTee(cap, head.headers().containsValue(HttpHeaderNames.CONTENT_ENCODING, "gzip", true));
        held.add(head);
    }

    int status() {
        return status;
    }

    /** Whether the client gets nothing of this response until {@link #take()}. */
    boolean holding() {
        return holding;
    }

    /**
     * Copies {@code content} for the observer and keeps it back from the client; returns false (keeping
     * nothing more) once the response has outgrown the cap, when the caller must send what {@link #take()}
     * gives and then {@code content} itself.
     */
    boolean hold(HttpContent content) {
        copy.add(content.content());
        if (!holding) {
            return false;
        }
        heldBytes += content.content().readableBytes();
        if (heldBytes > cap) {
            holding = false;
            return false;
        }
        held.add(content);
        return true;
    }

    /**
     * Runs {@code release} on {@code loop} once {@code gate} completes, successfully or not, or once
     * {@code timeoutMillis} have passed, whichever comes first; {@code release} must tolerate a second run.
     * Nothing here waits: the gate may complete on any thread, {@code release} runs on the loop.
     *
     * @param what the request, for the log
     */
    void releaseWhen(CompletionStage<Void> gate, EventLoop loop, long timeoutMillis, String what, Runnable release) {
        timer = loop.schedule(() -> {
            log.warn("{}: the request observer did not release the response within {} ms; sending it anyway", what, timeoutMillis);
            release.run();
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        gate.whenComplete((ok, error) -> {
            if (error != null) {
                log.warn("{}: the request observer failed to release the response; sending it anyway: {}", what,
                        String.valueOf(error.getMessage()));
            }
            loop.execute(release);
        });
    }

    /** The messages held so far, in order, for the caller to write (it owns them now). */
    List<HttpObject> take() {
        cancelTimer();
        List<HttpObject> taken = List.copyOf(held);
        held.clear();
        return taken;
    }

    /** The body copied so far, inflated when it was gzip-encoded (see {@link ResponseTee#body()}). */
    byte[] body() {
        return copy.body();
    }

    /** Drops whatever is still held (the client will not get it). */
    void release() {
        cancelTimer();
        held.forEach(ReferenceCountUtil::release);
        held.clear();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
