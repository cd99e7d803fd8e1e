package io.grafanaha.gateway.config;

import io.grafanaha.health.Role;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One Grafana instance behind the gateway. {@code apiToken} is the service-account token the sync uses;
 * {@code caFile} holds CA certificates trusted for an https backend on top of the JDK's trust store.
 */
public record BackendConfig(String name, URI url, Role role, Secret apiToken, Optional<Path> caFile) {

    /** A backend whose certificate, if https, is checked against the JDK's trust store alone. */
    public BackendConfig(String name, URI url, Role role, Secret apiToken) {
        this(name, url, role, apiToken, Optional.empty());
    }
}
