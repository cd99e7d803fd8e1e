package io.grafanaha.gateway.config;

import io.grafanaha.health.Role;
import java.net.URI;

/** One Grafana instance behind the gateway. {@code apiToken} is the service-account token the sync uses. */
public record BackendConfig(String name, URI url, Role role, Secret apiToken) {}
