package io.grafanaha.gateway.config;

import java.time.Duration;

/**
 * The effective configuration as YAML, defaults filled in and secrets shown only as
 * {@code <redacted>}: what {@code check} prints and what the gateway logs at start.
 */
public final class ConfigPrinter {
    private ConfigPrinter() {}

    public static String print(GatewayConfig c) {
        StringBuilder b = new StringBuilder();
        line(b, 0, "listen", c.listen());
        b.append("admin:\n");
        line(b, 1, "listen", c.admin().listen());
        line(b, 1, "token", c.admin().token());
        line(b, 1, "tls", c.admin().tls());
        line(b, 0, "mode", c.mode() == io.grafanaha.health.RoutingMode.FAILOVER ? "failover" : "load-balance");
        b.append("backends:\n");
        for (BackendConfig be : c.backends()) {
            b.append("  - name: ").append(be.name()).append('\n');
            line(b, 2, "url", be.url());
            line(b, 2, "role", be.role().name().toLowerCase());
            line(b, 2, "api-token", be.apiToken());
            be.caFile().ifPresent(f -> line(b, 2, "ca-file", f));
            be.clientCert().ifPresent(cc -> {
                line(b, 2, "client-cert-file", cc.certFile());
                line(b, 2, "client-key-file", cc.keyFile());
            });
            be.discovery().ifPresent(d -> {
                line(b, 2, "discovery", d.kind() == Discovery.Kind.DNS ? "dns" : "dns-srv");
                if (d.kind() == Discovery.Kind.DNS_SRV) {
                    line(b, 2, "srv-service", d.srvService());
                }
                line(b, 2, "dns-refresh", d.refresh());
            });
        }
        b.append("health:\n");
        line(b, 1, "path", c.health().path());
        line(b, 1, "interval", c.health().interval());
        line(b, 1, "timeout", c.health().timeout());
        line(b, 1, "rise", c.health().rise());
        line(b, 1, "fall", c.health().fall());
        b.append("failback:\n");
        line(b, 1, "mode", c.failback().mode().name().toLowerCase());
        line(b, 1, "require-sync", c.failback().requireSync());
        line(b, 1, "hold", c.failback().hold());
        b.append("routing:\n");
        line(b, 1, "retries", c.routing().retries());
        line(b, 1, "sticky-cookie", "\"" + c.routing().stickyCookie() + "\"");
        line(b, 1, "last-resort", c.routing().lastResort());
        if (!c.routing().tryTimeout().isZero()) {
            line(b, 1, "try-timeout", c.routing().tryTimeout());
        }
        line(b, 1, "replay-saves", c.routing().replaySaves());
        b.append("proxy:\n");
        line(b, 1, "connect-timeout", c.proxy().connectTimeout());
        line(b, 1, "response-timeout", c.proxy().responseTimeout());
        line(b, 1, "idle-timeout", c.proxy().idleTimeout());
        line(b, 1, "websocket-idle-timeout", c.proxy().websocketIdleTimeout());
        line(b, 1, "shutdown-grace", c.proxy().shutdownGrace());
        line(b, 1, "request-head-timeout", c.proxy().requestHeadTimeout());
        line(b, 1, "max-connections", c.proxy().maxConnections());
        line(b, 1, "max-connections-per-client", c.proxy().maxConnectionsPerClient());
        line(b, 1, "trusted-proxies", c.proxy().trustedProxies());
        line(b, 1, "proxy-protocol", c.proxy().proxyProtocol());
        line(b, 1, "h2c", c.proxy().http2().h2c());
        line(b, 1, "transport", c.proxy().transport().name().toLowerCase(java.util.Locale.ROOT));
        b.append("  http2:\n");
        line(b, 2, "enabled", c.proxy().http2().enabled());
        line(b, 2, "max-concurrent-streams", c.proxy().http2().maxConcurrentStreams());
        line(b, 2, "max-header-list-size", c.proxy().http2().maxHeaderListSize());
        line(b, 2, "max-resets", c.proxy().http2().maxResets());
        line(b, 2, "reset-window", c.proxy().http2().resetWindow());
        line(b, 2, "max-queued-control-frames", c.proxy().http2().maxQueuedControlFrames());
        b.append("rate-limits:\n");
        line(b, 1, "login", c.rateLimits().login().map(Object::toString).orElse("off"));
        if (!c.rateLimits().paths().isEmpty()) {
            b.append("  paths:\n");
            for (RateLimitConfig.PathRule rule : c.rateLimits().paths()) {
                b.append("    - prefix: ").append(rule.prefix()).append('\n');
                line(b, 3, "rate", rule.rate());
            }
        }
        line(b, 1, "max-addresses", c.rateLimits().maxAddresses());
        line(b, 1, "max-concurrent-per-address", c.rateLimits().maxConcurrentPerAddress() == 0 ? "off"
                : Integer.toString(c.rateLimits().maxConcurrentPerAddress()));
        b.append("access-log:\n");
        line(b, 1, "enabled", c.accessLog().enabled());
        line(b, 1, "format", c.accessLog().format().name().toLowerCase(java.util.Locale.ROOT));
        c.accessLog().file().ifPresent(f -> line(b, 1, "file", f)); // absent: standard error
        line(b, 1, "sample", c.accessLog().sample());
        line(b, 1, "max-file-size", c.accessLog().maxFileSize());
        line(b, 1, "max-history", c.accessLog().maxHistory());
        c.tracing().otlpEndpoint().ifPresent(endpoint -> {
            b.append("tracing:\n");
            line(b, 1, "otlp-endpoint", endpoint);
            line(b, 1, "sample", c.tracing().sample());
            line(b, 1, "service-name", c.tracing().serviceName());
        });
        c.sync().ifPresent(s -> {
            b.append("sync:\n");
            line(b, 1, "repository", withoutPassword(s.repository()));
            line(b, 1, "branch", s.branch());
            line(b, 1, "path", "\"" + s.path() + "\"");
            line(b, 1, "scope", s.scope().key());
            line(b, 1, "folder", s.folder());
            line(b, 1, "interval", s.interval());
            line(b, 1, "git-token", s.gitToken());
            s.sshKey().ifPresent(k -> line(b, 1, "ssh-key", k));
            line(b, 1, "webhook-secret", s.webhookSecret());
            line(b, 1, "write-back", s.writeBack());
            line(b, 1, "poll-interval", s.pollInterval());
            line(b, 1, "max-deletes", s.maxDeletes());
            line(b, 1, "data-dir", s.dataDir());
            line(b, 1, "datasources", s.datasources());
        });
        c.tls().ifPresent(t -> {
            b.append("tls:\n");
            line(b, 1, "cert-file", t.certFile());
            line(b, 1, "key-file", t.keyFile());
            line(b, 1, "reload-interval", t.reloadInterval());
            t.redirectListen().ifPresent(r -> line(b, 1, "redirect-listen", r));
        });
        if (c.auth().enabled()) {
            auth(b, c.auth());
        }
        return b.toString();
    }

    private static void auth(StringBuilder b, AuthConfig a) {
        b.append("auth:\n");
        line(b, 1, "mode", a.mode() == AuthConfig.Mode.OIDC ? "oidc" : "trusted-header");
        b.append("  grafana-headers:\n");
        line(b, 2, "user", a.grafana().user());
        line(b, 2, "email", "\"" + a.grafana().email() + "\"");
        line(b, 2, "name", "\"" + a.grafana().name() + "\"");
        line(b, 2, "role", "\"" + a.grafana().role() + "\"");
        line(b, 2, "groups", "\"" + a.grafana().groups() + "\"");
        line(b, 1, "headers-encoded", a.headersEncoded());
        if (a.mode() == AuthConfig.Mode.TRUSTED_HEADER) {
            b.append("  trusted-header:\n");
            line(b, 2, "user", a.trustedHeader().user());
            line(b, 2, "email", "\"" + a.trustedHeader().email() + "\"");
            line(b, 2, "name", "\"" + a.trustedHeader().name() + "\"");
            line(b, 2, "groups", "\"" + a.trustedHeader().groups() + "\"");
            line(b, 2, "role", "\"" + a.trustedHeader().role() + "\"");
        }
        a.oidc().ifPresent(o -> {
            line(b, 1, "session-secret", a.sessionSecret());
            line(b, 1, "session-ttl", a.sessionTtl());
            b.append("  oidc:\n");
            line(b, 2, "issuer", o.issuer());
            line(b, 2, "client-id", o.clientId());
            line(b, 2, "client-secret", o.clientSecret());
            o.redirectUri().ifPresent(r -> line(b, 2, "redirect-url", r));
            line(b, 2, "scopes", "[" + String.join(", ", o.scopes()) + "]");
            line(b, 2, "role-claim", "\"" + o.roleClaim() + "\"");
            if (!o.roles().isEmpty()) {
                b.append("    roles:\n");
                o.roles().forEach((k, v) -> line(b, 3, "\"" + k + "\"", v));
            }
            line(b, 2, "default-role", o.defaultRole());
        });
    }

    /**
     * A repository URL with the password of its userinfo ({@code https://user:secret@host/...}) replaced by
     * {@code <redacted>}; the user name stays, it tells which account is used.
     */
    public static String withoutPassword(String repository) {
        int scheme = repository.indexOf("://");
        if (scheme < 0) {
            return repository;
        }
        int authorityStart = scheme + 3;
        int authorityEnd = repository.length();
        for (int i = authorityStart; i < repository.length(); i++) {
            char c = repository.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                authorityEnd = i;
                break;
            }
        }
        int at = repository.lastIndexOf('@', authorityEnd - 1);
        if (at < authorityStart) {
            return repository;
        }
        int colon = repository.indexOf(':', authorityStart);
        if (colon < 0 || colon > at) {
            return repository;
        }
        return repository.substring(0, colon + 1) + "<redacted>" + repository.substring(at);
    }

    private static void line(StringBuilder b, int depth, String key, Object value) {
        b.append("  ".repeat(depth)).append(key).append(": ")
                .append(value instanceof Duration d ? duration(d) : String.valueOf(value)).append('\n');
    }

    /** The shortest form the loader reads back: 1m, 90s, 1500ms. */
    public static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
