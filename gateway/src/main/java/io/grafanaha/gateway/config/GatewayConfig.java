package io.grafanaha.gateway.config;

import io.grafanaha.health.RoutingMode;
import java.util.List;
import java.util.Optional;

/**
 * The whole configuration, validated. Built only by {@link ConfigLoader}; every optional key already
 * holds its default here, so nothing downstream has to guess.
 */
public record GatewayConfig(
        HostPort listen,
        AdminConfig admin,
        RoutingMode mode,
        List<BackendConfig> backends,
        HealthConfig health,
        FailbackConfig failback,
        RoutingConfig routing,
        ProxyConfig proxy,
        Optional<SyncConfig> sync,
        Optional<TlsConfig> tls,
        RateLimitConfig rateLimits,
        AccessLogConfig accessLog,
        AuthConfig auth,
        TracingConfig tracing) {

    public GatewayConfig {
        backends = List.copyOf(backends);
    }

    /** Without a {@code tracing} section ({@link TracingConfig#OFF}). */
    public GatewayConfig(HostPort listen, AdminConfig admin, RoutingMode mode, List<BackendConfig> backends,
            HealthConfig health, FailbackConfig failback, RoutingConfig routing, ProxyConfig proxy,
            Optional<SyncConfig> sync, Optional<TlsConfig> tls, RateLimitConfig rateLimits, AccessLogConfig accessLog,
            AuthConfig auth) {
        this(listen, admin, mode, backends, health, failback, routing, proxy, sync, tls, rateLimits, accessLog, auth,
                TracingConfig.OFF);
    }

    /** Everything but the access log, which is then off, and sign-in ({@link AuthConfig#NONE}). */
    public GatewayConfig(HostPort listen, AdminConfig admin, RoutingMode mode, List<BackendConfig> backends,
            HealthConfig health, FailbackConfig failback, RoutingConfig routing, ProxyConfig proxy,
            Optional<SyncConfig> sync, Optional<TlsConfig> tls, RateLimitConfig rateLimits) {
        this(listen, admin, mode, backends, health, failback, routing, proxy, sync, tls, rateLimits, AccessLogConfig.OFF,
                AuthConfig.NONE);
    }

    /** Without an {@code auth} section ({@link AuthConfig#NONE}). */
    public GatewayConfig(HostPort listen, AdminConfig admin, RoutingMode mode, List<BackendConfig> backends,
            HealthConfig health, FailbackConfig failback, RoutingConfig routing, ProxyConfig proxy,
            Optional<SyncConfig> sync, Optional<TlsConfig> tls, RateLimitConfig rateLimits, AccessLogConfig accessLog) {
        this(listen, admin, mode, backends, health, failback, routing, proxy, sync, tls, rateLimits, accessLog,
                AuthConfig.NONE);
    }

    /** Without an access log. */
    public GatewayConfig(HostPort listen, AdminConfig admin, RoutingMode mode, List<BackendConfig> backends,
            HealthConfig health, FailbackConfig failback, RoutingConfig routing, ProxyConfig proxy,
            Optional<SyncConfig> sync, Optional<TlsConfig> tls, RateLimitConfig rateLimits, AuthConfig auth) {
        this(listen, admin, mode, backends, health, failback, routing, proxy, sync, tls, rateLimits, AccessLogConfig.OFF,
                auth);
    }

    /** The same configuration with another {@code access-log} section. */
    public GatewayConfig withAccessLog(AccessLogConfig accessLog) {
        return new GatewayConfig(listen, admin, mode, backends, health, failback, routing, proxy, sync, tls, rateLimits, accessLog,
                auth, tracing);
    }

    /** The same configuration with another {@code tracing} section. */
    public GatewayConfig withTracing(TracingConfig newTracing) {
        return new GatewayConfig(listen, admin, mode, backends, health, failback, routing, proxy, sync, tls, rateLimits, accessLog,
                auth, newTracing);
    }

    /** A configuration whose listener speaks plain HTTP, with the default rate limits ({@link RateLimitConfig#DEFAULT}). */
    public GatewayConfig(HostPort listen, AdminConfig admin, RoutingMode mode, List<BackendConfig> backends,
            HealthConfig health, FailbackConfig failback, RoutingConfig routing, ProxyConfig proxy,
            Optional<SyncConfig> sync) {
        this(listen, admin, mode, backends, health, failback, routing, proxy, sync, Optional.empty(),
                RateLimitConfig.DEFAULT);
    }

    /** With a {@code tls} section and the default rate limits. */
    public GatewayConfig(HostPort listen, AdminConfig admin, RoutingMode mode, List<BackendConfig> backends,
            HealthConfig health, FailbackConfig failback, RoutingConfig routing, ProxyConfig proxy,
            Optional<SyncConfig> sync, Optional<TlsConfig> tls) {
        this(listen, admin, mode, backends, health, failback, routing, proxy, sync, tls, RateLimitConfig.DEFAULT);
    }

    /** With a {@code rate-limits} section and a plain HTTP listener. */
    public GatewayConfig(HostPort listen, AdminConfig admin, RoutingMode mode, List<BackendConfig> backends,
            HealthConfig health, FailbackConfig failback, RoutingConfig routing, ProxyConfig proxy,
            Optional<SyncConfig> sync, RateLimitConfig rateLimits) {
        this(listen, admin, mode, backends, health, failback, routing, proxy, sync, Optional.empty(), rateLimits);
    }

    /** The same configuration with other backends (DNS discovery's expansion). */
    public GatewayConfig withBackends(List<BackendConfig> newBackends) {
        return new GatewayConfig(listen, admin, mode, newBackends, health, failback, routing, proxy, sync, tls, rateLimits,
                accessLog, auth, tracing);
    }

    public Optional<BackendConfig> backend(String name) {
        return backends.stream().filter(b -> b.name().equals(name)).findFirst();
    }
}
