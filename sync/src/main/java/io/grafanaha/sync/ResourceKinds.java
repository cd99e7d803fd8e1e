package io.grafanaha.sync;

import java.util.Map;
import java.util.Objects;

/**
 * What the sync needs for the resource kinds beside dashboards.
 *
 * @param environment where {@code ${VAR}} in contact point settings and data source secure fields is looked up (the
 *     process environment in production; a map in tests)
 * @param datasources {@code sync.datasources}: whether the {@code datasources/} files are applied (off by default:
 *     data sources are often per instance)
 */
public record ResourceKinds(Map<String, String> environment, boolean datasources) {
    public ResourceKinds {
        environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
    }

    /** The process environment, data sources off. */
    public static ResourceKinds defaults() {
        return new ResourceKinds(System.getenv(), false);
    }
}
