package io.grafanaha.gateway.proxy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts exchanges in flight so that a graceful shutdown knows when the last one has finished.
 * Once draining, connections close after their current exchange instead of staying alive.
 */
final class Drain {
    /** Fired down every client pipeline when draining starts, so idle keep-alive connections close. */
    static final Object STARTED = new Object() {
        @Override
        public String toString() {
            return "Drain.STARTED";
        }
    };

    private final AtomicInteger inFlight = new AtomicInteger();
    private final CompletableFuture<Void> idle = new CompletableFuture<>();
    private volatile boolean draining;

    void exchangeStarted() {
        inFlight.incrementAndGet();
    }

    void exchangeEnded() {
        if (inFlight.decrementAndGet() == 0 && draining) {
            idle.complete(null);
        }
    }

    boolean draining() {
        return draining;
    }

    /** Starts draining; the future completes when no exchange is in flight. */
    CompletableFuture<Void> start() {
        draining = true;
        if (inFlight.get() == 0) {
            idle.complete(null);
        }
        return idle;
    }

    int inFlight() {
        return inFlight.get();
    }
}
