package io.grafanaha.gateway.proxy;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What every {@link EditWatch} holds in memory together. Each watched body may be gathered up to
 * {@link RequestObserver#MAX_BODY}, but twenty clients sending all but the last byte of a 10 MB save would
 * hold 200 MB (629 MB RSS was measured); so the bytes are counted here, across event loops, and a watch
 * that would take the total over {@link #limit} refuses its request (503, nothing forwarded).
 */
final class WatchBuffers {
    /**
     * Room for six saves at the largest observed size, or hundreds of ordinary ones (a dashboard's JSON is
     * rarely over 1 MB) at once: more than a Grafana team saves at the same moment, and a bounded cost.
     */
    static final long DEFAULT_LIMIT = 64L * 1024 * 1024;

    private final long limit;
    private final AtomicLong held = new AtomicLong();

    WatchBuffers(long limit) {
        this.limit = limit;
    }

    long limit() {
        return limit;
    }

    /** Whether {@code bytes} more would fit now (a declared length, checked before any is read). */
    boolean fits(long bytes) {
        return held.get() + bytes <= limit;
    }

    /** Counts {@code bytes} as held if they fit; returns false (counting nothing) if they do not. */
    boolean tryHold(long bytes) {
        while (true) {
            long now = held.get();
            if (now + bytes > limit) {
                return false;
            }
            if (held.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        held.addAndGet(-bytes);
    }

    long held() {
        return held.get();
    }
}
