package io.grafanaha.health;

import java.net.URI;
import java.util.Objects;

/**
 * One Grafana instance the gateway may send traffic to. The name is the identity: metrics, events and
 * the routing table all refer to a backend by it.
 *
 * @param name unique name from the configuration, e.g. {@code grafana-a}
 * @param url  base URL ({@code http://host:port}); only scheme, host and port are used for proxying
 * @param role primary or replica; only meaningful in failover mode
 */
public record Backend(String name, URI url, Role role) {
    public Backend {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(role, "role");
        if (name.isBlank()) {
            throw new IllegalArgumentException("backend name must not be blank");
        }
    }

    /** The TCP port, with the scheme's default when the URL has none. */
    public int port() {
        if (url.getPort() > 0) {
            return url.getPort();
        }
        return "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }

    /** The host name or address literal, without IPv6 brackets. */
    public String host() {
        String host = url.getHost();
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
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
