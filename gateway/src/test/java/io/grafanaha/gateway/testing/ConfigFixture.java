package io.grafanaha.gateway.testing;

import io.grafanaha.gateway.config.AdminConfig;
import io.grafanaha.gateway.config.AuthConfig;
import io.grafanaha.gateway.config.BackendConfig;
import io.grafanaha.gateway.config.FailbackConfig;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.HealthConfig;
import io.grafanaha.gateway.config.Http2Config;
import io.grafanaha.gateway.config.HostPort;
import io.grafanaha.gateway.config.ProxyConfig;
import io.grafanaha.gateway.config.RateLimitConfig;
import io.grafanaha.gateway.config.RoutingConfig;
import io.grafanaha.gateway.config.Secret;
import io.grafanaha.gateway.config.TlsConfig;
import io.grafanaha.gateway.config.TrustedProxies;
import io.grafanaha.gateway.proxy.Backends;
import io.grafanaha.health.Role;
import io.grafanaha.health.Router;
import io.grafanaha.health.RoutingMode;
import io.grafanaha.health.StaticRouter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Builds a GatewayConfig for tests: loopback, ephemeral ports, short timeouts. */
public final class ConfigFixture {
    private RoutingMode mode = RoutingMode.FAILOVER;
    private final List<BackendConfig> backends = new ArrayList<>();
    private Duration connectTimeout = Duration.ofSeconds(1);
    private Duration responseTimeout = Duration.ofSeconds(5);
    private Duration idleTimeout = Duration.ofSeconds(30);
    private Duration websocketIdleTimeout = Duration.ofSeconds(30);
    private Duration shutdownGrace = Duration.ofSeconds(5);
    private Duration tryTimeout = Duration.ZERO;
    private String stickyCookie = "";
    private int retries = 1;
    private Duration requestHeadTimeout = ProxyConfig.DEFAULT_REQUEST_HEAD_TIMEOUT;
    private int maxConnections = ProxyConfig.DEFAULT_MAX_CONNECTIONS;
    private int maxConnectionsPerClient = ProxyConfig.DEFAULT_MAX_CONNECTIONS_PER_CLIENT;
    private TrustedProxies trustedProxies = TrustedProxies.NONE;
    private boolean proxyProtocol;
    private AuthConfig auth = AuthConfig.NONE;
    private RateLimitConfig rateLimits = RateLimitConfig.DEFAULT;

    private Optional<TlsConfig> tls = Optional.empty();
    private Http2Config http2 = Http2Config.DEFAULT;
    /** {@code -DargLine=-Dgateway.test.transport=epoll} (or nio) runs the tests on another transport than auto's. */
    private ProxyConfig.IoTransport transport = ProxyConfig.IoTransport.valueOf(
            System.getProperty("gateway.test.transport", "auto").toUpperCase(java.util.Locale.ROOT));

    public static ConfigFixture gateway() {
        return new ConfigFixture();
    }

    public ConfigFixture mode(RoutingMode mode) {
        this.mode = mode;
        return this;
    }

    /** An https backend on loopback whose certificate chains to {@code caFile} (none: the JDK's trust store alone). */
    public ConfigFixture httpsBackend(String name, int port, java.util.Optional<java.nio.file.Path> caFile) {
        Role role = backends.isEmpty() ? Role.PRIMARY : Role.REPLICA;
        backends.add(new BackendConfig(name, URI.create("https://127.0.0.1:" + port), role, new Secret(""), caFile));
        return this;
    }

    /** An https backend trusting {@code caFile} that is shown {@code client} when it asks for a client certificate. */
    public ConfigFixture mtlsBackend(String name, int port, java.nio.file.Path caFile, TestCertificates.Pair client) {
        Role role = backends.isEmpty() ? Role.PRIMARY : Role.REPLICA;
        backends.add(new BackendConfig(name, URI.create("https://127.0.0.1:" + port), role, new Secret(""),
                java.util.Optional.of(caFile), java.util.Optional.empty(),
                java.util.Optional.of(new BackendConfig.ClientCert(client.certFile(), client.keyFile()))));
        return this;
    }

    /** The first backend added is the primary, the others replicas. */
    public ConfigFixture backend(String name, int port) {
        Role role = backends.isEmpty() ? Role.PRIMARY : Role.REPLICA;
        backends.add(new BackendConfig(name, URI.create("http://127.0.0.1:" + port), role, new Secret("")));
        return this;
    }

    public ConfigFixture connectTimeout(Duration d) {
        this.connectTimeout = d;
        return this;
    }

    public ConfigFixture responseTimeout(Duration d) {
        this.responseTimeout = d;
        return this;
    }

    public ConfigFixture idleTimeout(Duration d) {
        this.idleTimeout = d;
        return this;
    }

    public ConfigFixture websocketIdleTimeout(Duration d) {
        this.websocketIdleTimeout = d;
        return this;
    }

    public ConfigFixture stickyCookie(String name) {
        this.stickyCookie = name;
        return this;
    }

    /** {@code routing.try-timeout}; zero (the default) is off. */
    public ConfigFixture tryTimeout(Duration d) {
        this.tryTimeout = d;
        return this;
    }

    /** {@code routing.retries}: extra attempts on another backend (default 1). */
    public ConfigFixture retries(int retries) {
        this.retries = retries;
        return this;
    }

    /** {@code proxy.request-head-timeout}. */
    public ConfigFixture requestHeadTimeout(Duration d) {
        this.requestHeadTimeout = d;
        return this;
    }

    /** {@code proxy.trusted-proxies}. */
    public ConfigFixture trustedProxies(String... cidrs) {
        this.trustedProxies = TrustedProxies.of(cidrs);
        return this;
    }

    /** {@code proxy.proxy-protocol: true}. */
    public ConfigFixture proxyProtocol() {
        this.proxyProtocol = true;
        return this;
    }

    /** {@code proxy.max-connections} and {@code proxy.max-connections-per-client}. */
    public ConfigFixture maxConnections(int total, int perClient) {
        this.maxConnections = total;
        this.maxConnectionsPerClient = perClient;
        return this;
    }

    /** TLS on the listener with these files. */
    public ConfigFixture tls(TlsConfig tls) {
        this.tls = Optional.of(tls);
        return this;
    }

    /** {@code proxy.transport}. */
    public ConfigFixture transport(ProxyConfig.IoTransport transport) {
        this.transport = transport;
        return this;
    }

    /** {@code proxy.h2c} and {@code proxy.http2}. */
    public ConfigFixture http2(Http2Config http2) {
        this.http2 = http2;
        return this;
    }

    /** {@code rate-limits}. */
    public ConfigFixture rateLimits(RateLimitConfig limits) {
        this.rateLimits = limits;
        return this;
    }

    /** {@code auth}. */
    public ConfigFixture auth(AuthConfig value) {
        this.auth = value;
        return this;
    }

    public GatewayConfig build() {
        return new GatewayConfig(
                new HostPort("127.0.0.1", 0),
                new AdminConfig(new HostPort("127.0.0.1", 0), new Secret("admin-token")),
                mode,
                backends,
                new HealthConfig("/api/health", Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3),
                new FailbackConfig(FailbackConfig.Mode.AUTO, false, Duration.ofSeconds(10)),
                new RoutingConfig(retries, stickyCookie, false, tryTimeout),
                new ProxyConfig(connectTimeout, responseTimeout, idleTimeout, websocketIdleTimeout, shutdownGrace,
                        requestHeadTimeout, maxConnections, maxConnectionsPerClient, trustedProxies, proxyProtocol, http2, transport),
                Optional.empty(),
                tls,
                rateLimits,
                auth);
    }

    public static Router staticRouter(GatewayConfig config) {
        return new StaticRouter(config.mode(), Backends.of(config));
    }
}
