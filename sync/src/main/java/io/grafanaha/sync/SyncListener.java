package io.grafanaha.sync;

/**
 * Receives {@link SyncEvent}s on the sync's threads. It must return quickly and must not wait for a pass (it may
 * read {@link SyncService#status()}). Gauges are best read from {@link SyncService#status()}; error counters from
 * {@link io.grafanaha.sync.freshness.BackendSyncStatus#errors()}.
 */
@FunctionalInterface
public interface SyncListener {
    void onEvent(SyncEvent event);

    static SyncListener none() {
        return e -> {};
    }
}
