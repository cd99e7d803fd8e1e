package io.grafanaha.sync;

import io.grafanaha.sync.grafana.GrafanaClient;
import io.grafanaha.sync.grafana.HttpGrafanaClient;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * One Grafana the sync keeps identical to Git.
 *
 * @param name the backend's name ({@code backends[].name})
 * @param client how to reach its API
 */
public record SyncTarget(String name, GrafanaClient client) {
    public SyncTarget {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(client, "client");
    }

    /**
     * A backend reached over HTTP with its service-account token ({@code backends[].api-token}), reading one
     * dashboard at a time on the caller's thread.
     */
    public static SyncTarget of(String name, URI url, String token) {
        return new SyncTarget(name, HttpGrafanaClient.create(name, url, token));
    }

    /** As {@link #of(String, URI, String)}, reading several dashboards at once on {@code reads} (the caller's). */
    public static SyncTarget of(String name, URI url, String token, Executor reads) {
        return new SyncTarget(name, HttpGrafanaClient.create(name, url, token, reads));
    }
}
