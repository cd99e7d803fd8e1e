package io.grafanaha.sync;

import io.grafanaha.sync.schedule.Scheduler;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The threads the sync runs on. The sync creates none of its own: the caller (the gateway's wiring) creates these,
 * and shuts them down after {@link SyncService#close()}.
 *
 * @param passes runs the passes, one at a time; each blocks it for its duration (fetch, read, then waiting for the
 *     backends' parts). One thread is enough
 * @param timer fires the interval, the backoffs and the waits between retries of a Grafana call; its tasks only hand
 *     work on, so it must never be a thread that runs passes (a pass waiting for a retry would wait for itself)
 * @param backends runs each backend's part of a pass (read, plan, apply), all backends at once: at least as many
 *     threads as backends
 * @param apply runs the dashboard calls of the backends' parts: at least {@code backends x sync concurrency}
 *     threads, none of them shared with {@code backends} or {@code passes}
 */
public record SyncThreads(Executor passes, Scheduler timer, Executor backends, Executor apply) {
    public SyncThreads {
        Objects.requireNonNull(passes, "passes");
        Objects.requireNonNull(timer, "timer");
        Objects.requireNonNull(backends, "backends");
        Objects.requireNonNull(apply, "apply");
    }
}
