/**
 * When passes run: {@link io.grafanaha.sync.schedule.PassScheduler} (one at a time, coalesced requests, the interval,
 * the fetch and per-backend backoffs, close) over a {@link io.grafanaha.sync.schedule.Scheduler}, the one thing the
 * sync needs from a timer. Nothing here creates a thread or reads the wall clock: production hands in the gateway's
 * {@code sync} and {@code sync-timer} threads, tests a manual scheduler and clock.
 */
package io.grafanaha.sync.schedule;
