package io.grafanaha.gateway.app;

import io.grafanaha.gateway.admin.ActivityLog;
import io.grafanaha.gateway.config.BackendConfig;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.PemPair;
import io.grafanaha.gateway.config.SyncConfig;
import io.grafanaha.gateway.tls.BackendTls;
import io.grafanaha.health.routing.RoutingEvent;
import io.grafanaha.health.routing.RoutingListener;
import io.grafanaha.sync.SyncEvent;
import io.grafanaha.sync.SyncListener;
import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.ResourceKinds;
import io.grafanaha.sync.SyncSettings;
import io.grafanaha.sync.SyncTarget;
import io.grafanaha.sync.git.GitCredentials;
import io.grafanaha.sync.grafana.HttpGrafanaClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the Git sync from the configuration and connects it to routing events. */
public final class SyncSetup {
    private static final Logger log = LoggerFactory.getLogger("io.grafanaha.sync");

    private SyncSetup() {}

    /** The sync of {@code config}, not started, on {@code threads} (the caller's, closed after the sync). */
    public static SyncService create(GatewayConfig config, SyncConfig s, Threads threads) {
        return create(config, s, threads, null);
    }

    /** As above, with what the sync does also written to {@code activity} (the status timeline), if given. */
    static SyncService create(GatewayConfig config, SyncConfig s, Threads threads, ActivityLog activity) {
        SyncSettings settings = settings(s);
        List<SyncTarget> targets = config.backends().stream().map(b -> target(b, threads)).toList();
        SyncListener listener = activity == null ? SyncSetup::log : event -> {
            log(event);
            record(event, activity);
        };
        try {
            return new SyncService(settings, targets, listener, threads.clock(), threads.sync(),
                    new ResourceKinds(s.environment(), s.datasources()));
        } catch (IOException e) {
            throw new UncheckedIOException("sync.data-dir " + s.dataDir() + ": cannot open the Git mirror: " + e.getMessage(), e);
        }
    }

    static SyncSettings settings(SyncConfig s) {
        GitCredentials credentials = !s.gitToken().isEmpty() ? GitCredentials.Token.of(s.gitToken().reveal())
                : s.sshKey().<GitCredentials>map(GitCredentials.SshKey::new).orElse(GitCredentials.none());
        return SyncSettings.of(s.repository(), s.dataDir())
                .withBranch(s.branch())
                .withPath(s.path())
                .withFolderTitle(s.folder())
                .withScope(s.scope())
                .withInterval(s.interval())
                .withCredentials(credentials)
                .withWriteBack(s.writeBack())
                .withDeleteLimit(s.maxDeletes());
    }

    private static SyncTarget target(BackendConfig b, Threads threads) {
        if (b.caFile().isEmpty() && b.clientCert().isEmpty()) {
            return SyncTarget.of(b.name(), b.url(), b.apiToken().reveal(), threads.syncReads());
        }
        // Same timeouts as HttpGrafanaClient.create, with a client that also trusts this backend's own CA and offers
        // its client certificate.
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                    .sslContext(BackendTls.httpClientContext(b)).build();
            return new SyncTarget(b.name(), new HttpGrafanaClient(b.name(), b.url(), b.apiToken().reveal(), Duration.ofSeconds(10),
                    http, HttpGrafanaClient.DEFAULT_READ_CONCURRENCY, threads.syncReads()));
        } catch (PemPair.Unusable e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * A backend that goes down may miss commits: it stops being fresh at once, and when it comes back
     * it is synced before the failback gate can open. Runs on the thread that changed the routing (a
     * check, an admin call, an event loop), so it only hands work to the sync's own threads.
     */
    static RoutingListener freshnessFollowsHealth(SyncService sync) {
        java.util.Set<String> targets = sync.targets().stream().map(t -> t.name()).collect(java.util.stream.Collectors.toSet());
        return event -> {
            // A backend a reload added is routed but not synced until a restart (ConfigDiff): nothing to mark.
            if (event instanceof RoutingEvent.BackendDown down && targets.contains(down.backend())) {
                sync.markStale(down.backend());
            } else if (event instanceof RoutingEvent.BackendUp up && targets.contains(up.backend())) {
                sync.syncBackend(up.backend());
            }
        };
    }

    private static void log(SyncEvent event) {
        if (event instanceof SyncEvent.BackendSynced e) {
            if (e.created() + e.updated() + e.moved() + e.deleted() + e.folderChanges() + e.drift() > 0 || !e.failures().isEmpty()) {
                log.info("synced backend={} commit={} created={} updated={} moved={} deleted={} folders={} failures={} drift={}",
                        e.backend(), shortId(e.commit()), e.created(), e.updated(), e.moved(), e.deleted(), e.folderChanges(),
                        e.failures().size(), e.drift());
            }
            e.failures().forEach(f -> log.warn("sync failed on backend={}: {}", e.backend(), f));
        } else if (event instanceof SyncEvent.BackendUnreachable e) {
            log.warn("sync cannot reach backend={}: {}", e.backend(), e.error());
        } else if (event instanceof SyncEvent.DeleteLimitRefused e) {
            log.error("sync refused for backend={}: {}", e.backend(), e.reason());
        } else if (event instanceof SyncEvent.FetchFailed e) {
            log.warn("git fetch failed ({} in a row): {}", e.consecutiveFailures(), e.error());
        } else if (event instanceof SyncEvent.FileErrors e) {
            e.errors().forEach(f -> log.warn("skipped {} at {}", f, shortId(e.commit())));
        }
    }

    private static void record(SyncEvent event, ActivityLog activity) {
        if (event instanceof SyncEvent.BackendSynced e) {
            int changes = e.created() + e.updated() + e.moved() + e.deleted() + e.folderChanges();
            if (changes > 0 || !e.failures().isEmpty()) {
                activity.record("sync", Optional.of(e.backend()), String.format("%s: %d created, %d updated, %d moved, %d deleted,"
                        + " %d folder changes, %d failed", shortId(e.commit()), e.created(), e.updated(), e.moved(), e.deleted(),
                        e.folderChanges(), e.failures().size()));
            }
        } else if (event instanceof SyncEvent.DeleteLimitRefused e) {
            activity.record("sync-refused", Optional.of(e.backend()), e.reason());
        } else if (event instanceof SyncEvent.FetchFailed e) {
            if (e.consecutiveFailures() == 1) {
                activity.record("git-unreachable", Optional.empty(), e.error());
            }
        } else if (event instanceof SyncEvent.FileErrors e) {
            e.errors().forEach(f -> activity.record("file-skipped", Optional.empty(), f.message()));
        }
    }

    private static String shortId(String commit) {
        return commit == null ? "-" : commit.substring(0, Math.min(7, commit.length()));
    }
}
