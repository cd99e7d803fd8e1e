package io.grafanaha.health;

import java.net.URI;
import java.util.Objects;

/**
 * What health and routing need to know about one Grafana instance: its name (unique, used in events,
 * metrics and admin calls), its base URL, and its role in failover mode. The gateway maps its
 * configuration onto this record; secrets never reach this module.
 */
public record BackendSpec(String name, URI url, Role role) {
    public BackendSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(role, "role");
        if (name.isBlank()) {
            throw new IllegalArgumentException("backend name must not be blank");
        }
    }

    /** The URL of {@code path} on this backend, keeping any sub-path prefix of the base URL. */
    public URI resolve(String path) {
        String base = url.toString();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + (path.startsWith("/") ? path : "/" + path));
    }
}
