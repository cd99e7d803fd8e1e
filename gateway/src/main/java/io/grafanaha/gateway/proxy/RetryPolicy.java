package io.grafanaha.gateway.proxy;

import io.github.resilience4j.core.IntervalFunction;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * How many extra attempts a request may make ({@code routing.retries}), the shared budget they draw
 * from, and the jittered pause before each one.
 *
 * <p>Resilience4j's {@code Retry} decorates a call and waits between attempts on the calling thread
 * (or needs a separate scheduler for its async variant, which would move the exchange off its event
 * loop). An exchange is a chain of callbacks on one event loop, so the loop stays ours and only
 * Resilience4j's {@link IntervalFunction} is borrowed for the backoff: exponential from 5 ms, doubled
 * per attempt, ±50% jitter, capped at 50 ms. The delay is scheduled on the event loop, never slept.
 *
 * <p>{@link #decide} is the whole retry decision, a ladder of guard clauses each with its one-word reason
 * (the {@code reason} tag of {@code gateway_retries_skipped_total}), the way OkHttp's retry interceptor
 * reads.
 *
 * <p>An unsafe request is never re-sent once a backend may have seen it, with one exception ({@code
 * routing.replay-saves}): a conditional write the observer can decide again for another backend (a dashboard save
 * naming the version it is based on, see {@link RequestObserver#replayable}) whose backend died without answering
 * a byte (a reset, or marked down while waiting). Its backend's own optimistic lock makes a second delivery
 * harmless: it either applies the same edit over the same base, or is refused with 412. Any answer, a 5xx
 * included, means the backend did act on it in some way, and it is never replayed then.
 */
record RetryPolicy(int maxRetries, RetryBudget budget, IntervalFunction backoff, long tryTimeoutMillis, boolean replaySaves) {
    static final long BACKOFF_INITIAL_MILLIS = 5;
    static final long BACKOFF_MAX_MILLIS = 50;
    /** Why {@link #decide} says stay: the {@code reason} labels of {@code gateway_retries_skipped_total}. */
    static final String RESPONSE_STARTED = "response-started";
    static final String UNSAFE_METHOD = "unsafe-method";
    static final String BODY_NOT_REPLAYABLE = "body-not-replayable";
    static final String ATTEMPTS_EXHAUSTED = "attempts-exhausted";
    static final String NO_OTHER_BACKEND = "no-other-backend";
    static final String BUDGET_EXHAUSTED = "budget-exhausted";
    /** A conditional save whose backend died unanswered would have been replayed, but {@code routing.replay-saves} is off. */
    static final String REPLAY_SAVES_OFF = "replay-saves-off";
    static final List<String> STAY_REASONS = List.of(RESPONSE_STARTED, UNSAFE_METHOD, BODY_NOT_REPLAYABLE,
            ATTEMPTS_EXHAUSTED, NO_OTHER_BACKEND, BUDGET_EXHAUSTED, REPLAY_SAVES_OFF);

    static RetryPolicy of(int maxRetries, RetryBudget budget) {
        return of(maxRetries, budget, 0);
    }

    /** {@code tryTimeoutMillis}: {@code routing.try-timeout}, 0 when off; saves replayed (the default). */
    static RetryPolicy of(int maxRetries, RetryBudget budget, long tryTimeoutMillis) {
        return of(maxRetries, budget, tryTimeoutMillis, true);
    }

    /** {@code replaySaves}: {@code routing.replay-saves}. */
    static RetryPolicy of(int maxRetries, RetryBudget budget, long tryTimeoutMillis, boolean replaySaves) {
        return new RetryPolicy(Math.max(0, maxRetries), budget,
                IntervalFunction.ofExponentialRandomBackoff(BACKOFF_INITIAL_MILLIS, 2.0, 0.5, BACKOFF_MAX_MILLIS),
                Math.max(0, tryTimeoutMillis), replaySaves);
    }

    /**
     * What the exchange knows when an attempt failed.
     *
     * @param clientTouched whether anything (an interim response included) went to the client
     * @param safeMethod    GET, HEAD or OPTIONS
     * @param bodyIntact    every body chunk handed to a backend so far is still in the replay buffer
     * @param bodyComplete  the whole body is in the replay buffer
     * @param retriesMade   retries already made for this request
     * @param conditional   a conditional write the observer decides again for the next backend, with its whole body
     */
    record Facts(boolean clientTouched, boolean safeMethod, boolean bodyIntact, boolean bodyComplete, int retriesMade,
                 boolean conditional) {
        /** Any request but a conditional write. */
        Facts(boolean clientTouched, boolean safeMethod, boolean bodyIntact, boolean bodyComplete, int retriesMade) {
            this(clientTouched, safeMethod, bodyIntact, bodyComplete, retriesMade, false);
        }
    }

    /** The answer of {@link #decide}. */
    sealed interface Verdict<T> {
        /** Try {@code next} after {@code delayMillis}. */
        record Retry<T>(T next, long delayMillis) implements Verdict<T> {}

        /** Stay: answer the client from this attempt; {@code reason} says why. */
        record Stay<T>(String reason) implements Verdict<T> {}
    }

    /**
     * Whether a request whose attempt failed with {@code cause} goes elsewhere. Only the last two rungs
     * touch anything: {@code elsewhere} is asked (a round-robin turn) once every rule allows a retry, and
     * the budget is drawn from once there is somewhere to go, so a refused retry costs neither.
     *
     * @param elsewhere the next backend to try, if the router has one
     */
    <T> Verdict<T> decide(RetryCause cause, Facts facts, Supplier<Optional<T>> elsewhere) {
        if (facts.clientTouched()) {
            return new Verdict.Stay<>(RESPONSE_STARTED);
        }
        if (!cause.beforeSend() && !facts.safeMethod()) {
            if (!facts.conditional() || !cause.unanswered()) {
                return new Verdict.Stay<>(UNSAFE_METHOD);
            }
            if (!replaySaves) {
                return new Verdict.Stay<>(REPLAY_SAVES_OFF);
            }
        }
        // A conditional write's whole body is kept by its observer, whatever the replay buffer holds.
        if (!facts.conditional() && (cause.beforeSend() ? !facts.bodyIntact() : !facts.bodyComplete())) {
            return new Verdict.Stay<>(BODY_NOT_REPLAYABLE);
        }
        if (facts.retriesMade() >= maxRetries) {
            return new Verdict.Stay<>(ATTEMPTS_EXHAUSTED);
        }
        Optional<T> next = elsewhere.get();
        if (next.isEmpty()) {
            return new Verdict.Stay<>(NO_OTHER_BACKEND);
        }
        if (cause.drawsOnBudget() && !budget.tryAcquire()) {
            return new Verdict.Stay<>(BUDGET_EXHAUSTED);
        }
        return new Verdict.Retry<>(next.get(), delayMillis(facts.retriesMade() + 1));
    }

    /** Milliseconds to wait before retry number {@code retry} (1 for the first retry). */
    long delayMillis(int retry) {
        return backoff.apply(retry);
    }
}
