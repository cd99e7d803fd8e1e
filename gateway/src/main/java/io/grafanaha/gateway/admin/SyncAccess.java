package io.grafanaha.gateway.admin;

import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.SyncStatus;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the admin API and the status metrics need from the Git sync, which is optional: without a
 * {@code sync:} section the gateway runs with {@link #NONE}, {@code /api/status} shows {@code "sync": null},
 * no {@code gateway_sync_*} metric exists and {@code POST /api/sync} answers 404.
 *
 * <pre>{@code
 * SyncAccess sync = config.sync().isPresent() ? SyncAccess.of(syncService) : SyncAccess.NONE;
 * }</pre>
 */
public interface SyncAccess {

    /** No sync configured. */
    SyncAccess NONE = new SyncAccess() {
        @Override
        public Optional<SyncStatus> status() {
            return Optional.empty();
        }

        @Override
        public Optional<CompletableFuture<Void>> requestSync(String reason) {
            return Optional.empty();
        }
    };

    /** The latest sync snapshot, or empty when there is no sync. */
    Optional<SyncStatus> status();

    /** Starts a pass to every backend; empty when there is no sync. */
    Optional<CompletableFuture<Void>> requestSync(String reason);

    /** Whether a sync exists at all (decides whether the sync gauges are registered). */
    default boolean configured() {
        return this != NONE;
    }

    /**
     * A sync that is configured but could not start (e.g. {@code sync.data-dir} cannot be written): the
     * status shows {@code error} as the Git error and on every backend, which is never fresh, and a
     * requested pass fails with it. The gateway serves without the sync until it is restarted.
     */
    static SyncAccess broken(String error, java.util.List<String> backends) {
        java.util.Map<String, io.grafanaha.sync.freshness.BackendSyncStatus> each = new java.util.LinkedHashMap<>();
        for (String backend : backends) {
            each.put(backend, new io.grafanaha.sync.freshness.BackendSyncStatus(backend, Optional.empty(), false, 0,
                    Optional.empty(), 0, Optional.of(error), 0, java.util.Map.of()));
        }
        SyncStatus status = new SyncStatus(new io.grafanaha.sync.GitStatus(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(error), 0), each, java.util.List.of(), 0);
        return new SyncAccess() {
            @Override
            public Optional<SyncStatus> status() {
                return Optional.of(status);
            }

            @Override
            public Optional<CompletableFuture<Void>> requestSync(String reason) {
                return Optional.of(CompletableFuture.failedFuture(new IllegalStateException(error)));
            }
        };
    }

    /** The running sync service. */
    static SyncAccess of(SyncService service) {
        return new SyncAccess() {
            @Override
            public Optional<SyncStatus> status() {
                return Optional.of(service.status());
            }

            @Override
            public Optional<CompletableFuture<Void>> requestSync(String reason) {
                return Optional.of(service.requestSync(reason));
            }
        };
    }
}
