package io.grafanaha.gateway.proxy;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The response timeout of a backend connection's current attempt ({@code proxy.response-timeout}), on one timer
 * per connection instead of one per request. Arming sets a deadline; the connection's timer, when it fires, calls
 * the armed attempt back if the deadline has passed, or sleeps again until it does. Keep-alive requests follow
 * one another far faster than the timeout, so the timer is scheduled about once per timeout period rather than
 * scheduled and cancelled (a task object and two priority-queue updates) for every request. Disarmed, the
 * timer that is still pending fires once and stops. On the connection's event loop only.
 */
final class ResponseDeadline {
    private final EventLoop loop;
    private ScheduledFuture<?> timer;
    /** When the pending timer fires, in {@link System#nanoTime()}; meaningful while {@code timer} is set. */
    private long firesAt;
    private long deadline;
    /** The attempt to call back at the deadline; null when disarmed. */
    private Attempt armed;

    ResponseDeadline(EventLoop loop) {
        this.loop = loop;
    }

    /** {@code attempt} times out {@code timeoutMillis} from now unless disarmed first. */
    void arm(Attempt attempt, long timeoutMillis) {
        long now = System.nanoTime();
        deadline = now + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        armed = attempt;
        if (timer != null && firesAt - deadline > 0) {
            // A reload shortened the timeout: the pending timer would fire too late.
            timer.cancel(false);
            timer = null;
        }
        if (timer == null) {
            schedule(deadline - now);
        }
    }

    /** {@code attempt} no longer waits (it has its answer, or it is over); another attempt's arming stays. */
    void disarm(Attempt attempt) {
        if (armed == attempt) {
            armed = null;
        }
    }

    /** The connection is gone: its timer with it. */
    void close() {
        armed = null;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void schedule(long delayNanos) {
        firesAt = System.nanoTime() + delayNanos;
        timer = loop.schedule(this::fire, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void fire() {
        timer = null;
        Attempt attempt = armed;
        if (attempt == null) {
            return;
        }
        long left = deadline - System.nanoTime();
        if (left > 0) {
            schedule(left);
            return;
        }
        armed = null;
        attempt.responseTimedOut();
    }
}
