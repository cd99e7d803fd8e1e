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
        line(b, 0, "mode", c.mode() == io.grafanaha.health.RoutingMode.FAILOVER ? "failover" : "load-balance");
        b.append("backends:\n");
        for (BackendConfig be : c.backends()) {
            b.append("  - name: ").append(be.name()).append('\n');
            line(b, 2, "url", be.url());
            line(b, 2, "role", be.role().name().toLowerCase());
            line(b, 2, "api-token", be.apiToken());
            be.caFile().ifPresent(f -> line(b, 2, "ca-file", f));
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
        c.sync().ifPresent(s -> {
            b.append("sync:\n");
            line(b, 1, "repository", withoutPassword(s.repository()));
            line(b, 1, "branch", s.branch());
            line(b, 1, "path", "\"" + s.path() + "\"");
            line(b, 1, "folder", s.folder());
            line(b, 1, "interval", s.interval());
            line(b, 1, "git-token", s.gitToken());
            s.sshKey().ifPresent(k -> line(b, 1, "ssh-key", k));
            line(b, 1, "webhook-secret", s.webhookSecret());
            line(b, 1, "write-back", s.writeBack());
            line(b, 1, "poll-interval", s.pollInterval());
            line(b, 1, "max-deletes", s.maxDeletes());
            line(b, 1, "data-dir", s.dataDir());
        });
        c.tls().ifPresent(t -> {
            b.append("tls:\n");
            line(b, 1, "cert-file", t.certFile());
            line(b, 1, "key-file", t.keyFile());
            line(b, 1, "reload-interval", t.reloadInterval());
        });
        return b.toString();
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
