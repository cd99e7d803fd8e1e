package io.grafanaha.gateway.proxy;

import io.github.resilience4j.core.IntervalFunction;

/**
 * How many extra attempts a request may make ({@code routing.retries}), the shared budget they draw
 * from, and the jittered pause before each one.
 *
 * <p>Resilience4j's {@code Retry} decorates a call and waits between attempts on the calling thread
 * (or needs a separate scheduler for its async variant, which would move the exchange off its event
 * loop). An exchange is a chain of callbacks on one event loop, so the loop stays ours and only
 * Resilience4j's {@link IntervalFunction} is borrowed for the backoff: exponential from 5 ms, doubled
 * per attempt, ±50% jitter, capped at 50 ms. The delay is scheduled on the event loop, never slept.
 */
record RetryPolicy(int maxRetries, RetryBudget budget, IntervalFunction backoff, long tryTimeoutMillis) {
    static final long BACKOFF_INITIAL_MILLIS = 5;
    static final long BACKOFF_MAX_MILLIS = 50;

    static RetryPolicy of(int maxRetries, RetryBudget budget) {
        return of(maxRetries, budget, 0);
    }

    /** {@code tryTimeoutMillis}: {@code routing.try-timeout}, 0 when off. */
    static RetryPolicy of(int maxRetries, RetryBudget budget, long tryTimeoutMillis) {
        return new RetryPolicy(Math.max(0, maxRetries), budget,
                IntervalFunction.ofExponentialRandomBackoff(BACKOFF_INITIAL_MILLIS, 2.0, 0.5, BACKOFF_MAX_MILLIS),
                Math.max(0, tryTimeoutMillis));
    }

    /** Milliseconds to wait before retry number {@code retry} (1 for the first retry). */
    long delayMillis(int retry) {
        return backoff.apply(retry);
    }
}
