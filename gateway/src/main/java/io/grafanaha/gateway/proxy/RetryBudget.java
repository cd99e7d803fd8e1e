package io.grafanaha.gateway.proxy;

import java.util.function.LongSupplier;

/**
 * Envoy's retry budget, over a sliding window of one-second buckets: retries may add up to
 * {@code ratio} of the requests seen in the window, and at least {@code minPerSecond} are allowed in any
 * second so that a quiet gateway can still retry. Without it, a backend that fails every request would
 * double the load on the others exactly when they are taking over its traffic.
 *
 * <p>Shared by every event loop. The critical sections are a few array reads, so a monitor is cheaper
 * here than anything clever, and never waits on I/O.
 */
final class RetryBudget {
    static final int WINDOW_SECONDS = 10;
    static final double RATIO = 0.2;
    static final int MIN_PER_SECOND = 3;

    private final LongSupplier nanoTime;
    private final double ratio;
    private final int minPerSecond;
    private final long[] second = new long[WINDOW_SECONDS];
    private final long[] requests = new long[WINDOW_SECONDS];
    private final long[] retries = new long[WINDOW_SECONDS];

    RetryBudget(LongSupplier nanoTime, double ratio, int minPerSecond) {
        this.nanoTime = nanoTime;
        this.ratio = ratio;
        this.minPerSecond = minPerSecond;
        java.util.Arrays.fill(second, Long.MIN_VALUE);
    }

    static RetryBudget standard() {
        return new RetryBudget(System::nanoTime, RATIO, MIN_PER_SECOND);
    }

    /** A client request began (first attempts only: retries do not earn more retries). */
    synchronized void requestStarted() {
        requests[bucket(now())]++;
    }

    /** Takes one retry from the budget if it has room; false means the retry must not happen. */
    synchronized boolean tryAcquire() {
        long now = now();
        int current = bucket(now);
        long windowRequests = 0;
        long windowRetries = 0;
        for (int i = 0; i < WINDOW_SECONDS; i++) {
            if (second[i] > now - WINDOW_SECONDS) {
                windowRequests += requests[i];
                windowRetries += retries[i];
            }
        }
        if (windowRetries < ratio * windowRequests || retries[current] < minPerSecond) {
            retries[current]++;
            return true;
        }
        return false;
    }

    private long now() {
        return Math.floorDiv(nanoTime.getAsLong(), 1_000_000_000L);
    }

    /** The bucket for {@code now}, cleared first if it last held an older second. */
    private int bucket(long now) {
        int i = (int) Math.floorMod(now, (long) WINDOW_SECONDS);
        if (second[i] != now) {
            second[i] = now;
            requests[i] = 0;
            retries[i] = 0;
        }
        return i;
    }
}
