package io.grafanaha.gateway.config;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a reload changes: the difference between the running configuration and a newly loaded one, split into
 * what a running gateway can take live and what only a restart applies ({@link #restartNeeded()}, as key paths).
 * {@link #effective()} is the configuration to run with after a reload: the new file, with every key that needs a
 * restart kept at its running value, so the next reload still names those keys and nothing half-applies.
 *
 * <p>Live: backends added, removed, or changed in url or role; {@code health}; {@code mode}, {@code failback} (but
 * {@code require-sync}) and {@code routing}; {@code proxy} (but the connection caps); {@code rate-limits};
 * {@code sync.interval}. Restart: {@code listen}, {@code admin}, {@code proxy.max-connections*},
 * {@code proxy.proxy-protocol}, {@code proxy.transport}, {@code proxy.h2c} and {@code proxy.http2}, {@code access-log}, {@code auth},
 * {@code tracing}, {@code failback.require-sync}, {@code tls} (its files' contents are re-read on every reload), the rest of
 * {@code sync}, and a backend's {@code api-token}, {@code ca-file} and {@code client-cert-file}/{@code client-key-file}
 * (the sync's clients and the health checks' TLS are built at start); with the sync on, backends added or removed
 * are routed at once but the sync only
 * writes to them after a restart.
 *
 * @param added         backends in the new file only
 * @param removed       backends in the running configuration only
 * @param changed       backends in both whose url or role differ
 * @param sections      live sections whose values differ (key names: {@code health}, {@code routing}, ...)
 * @param restartNeeded keys whose new values need a restart, in file order
 * @param effective     the configuration to run with from now on
 */
public record ConfigDiff(List<String> added, List<String> removed, List<String> changed, List<String> sections,
                         List<String> restartNeeded, GatewayConfig effective) {

    public ConfigDiff {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        changed = List.copyOf(changed);
        sections = List.copyOf(sections);
        restartNeeded = List.copyOf(restartNeeded);
    }

    /** The difference from {@code running} to {@code loaded}. */
    public static ConfigDiff between(GatewayConfig running, GatewayConfig loaded) {
        List<String> restart = new ArrayList<>();
        if (!running.listen().equals(loaded.listen())) {
            restart.add("listen");
        }
        restart.addAll(keys("admin", running.admin(), loaded.admin()));

        Map<String, BackendConfig> before = byName(running);
        Map<String, BackendConfig> after = byName(loaded);
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<BackendConfig> backends = new ArrayList<>();
        for (BackendConfig b : loaded.backends()) {
            BackendConfig old = before.get(b.name());
            if (old == null) {
                added.add(b.name());
                b.caFile().ifPresent(f -> restart.add("backends[" + b.name() + "].ca-file"));
                b.clientCert().ifPresent(c -> restart.add("backends[" + b.name() + "].client-cert-file"));
                // Without its ca-file the health checks could not trust it: route it once a restart made them able to.
                backends.add(b);
                continue;
            }
            if (!old.url().equals(b.url()) || old.role() != b.role()) {
                changed.add(b.name());
            }
            if (!old.apiToken().equals(b.apiToken())) {
                restart.add("backends[" + b.name() + "].api-token");
            }
            if (!old.caFile().equals(b.caFile())) {
                restart.add("backends[" + b.name() + "].ca-file");
            }
            if (!old.clientCert().equals(b.clientCert())) {
                restart.add("backends[" + b.name() + "].client-cert-file");
            }
            // The health checks and the sync keep the TLS they started with, so the proxy keeps it too.
            backends.add(new BackendConfig(b.name(), b.url(), b.role(), old.apiToken(), old.caFile(), Optional.empty(),
                    old.clientCert()));
        }
        before.keySet().stream().filter(n -> !after.containsKey(n)).forEach(removed::add);
        if (running.sync().isPresent() && (!added.isEmpty() || !removed.isEmpty())) {
            restart.add("backends (the sync writes to the backends it started with)");
        }

        List<String> sections = new ArrayList<>();
        if (running.mode() != loaded.mode()) {
            sections.add("mode");
        }
        if (!running.health().equals(loaded.health())) {
            sections.add("health");
        }
        FailbackConfig failback = new FailbackConfig(loaded.failback().mode(), running.failback().requireSync(),
                loaded.failback().hold());
        if (running.failback().requireSync() != loaded.failback().requireSync()) {
            restart.add("failback.require-sync");
        }
        if (!running.failback().equals(failback)) {
            sections.add("failback");
        }
        if (!running.routing().equals(loaded.routing())) {
            sections.add("routing");
        }
        ProxyConfig p = loaded.proxy();
        ProxyConfig proxy = new ProxyConfig(p.connectTimeout(), p.responseTimeout(), p.idleTimeout(),
                p.websocketIdleTimeout(), p.shutdownGrace(), p.requestHeadTimeout(), running.proxy().maxConnections(),
                running.proxy().maxConnectionsPerClient(), p.trustedProxies(), running.proxy().proxyProtocol(),
                running.proxy().http2(), running.proxy().transport());
        if (running.proxy().transport() != p.transport()) {
            restart.add("proxy.transport"); // every socket and event loop is made by it
        }
        if (running.proxy().proxyProtocol() != p.proxyProtocol()) {
            restart.add("proxy.proxy-protocol"); // the listener's pipeline is built per connection from start-up state
        }
        // HTTP/2's switches and limits live in the TLS context's ALPN list and each connection's codec.
        keys("proxy.http2", running.proxy().http2(), p.http2()).stream()
                .map(k -> k.equals("proxy.http2.h2c") ? "proxy.h2c" : k)
                .forEach(restart::add);
        if (running.proxy().maxConnections() != p.maxConnections()) {
            restart.add("proxy.max-connections");
        }
        if (running.proxy().maxConnectionsPerClient() != p.maxConnectionsPerClient()) {
            restart.add("proxy.max-connections-per-client");
        }
        if (!running.proxy().equals(proxy)) {
            sections.add("proxy");
        }
        if (!running.rateLimits().equals(loaded.rateLimits())) {
            sections.add("rate-limits");
        }
        Optional<SyncConfig> sync = sync(running.sync(), loaded.sync(), restart, sections);
        restart.addAll(optionalKeys("tls", running.tls(), loaded.tls()));
        // The access log's appender, the sign-in gate (its keys, cookies and provider) and the span exporter with its
        // batch thread are opened at start.
        restart.addAll(keys("access-log", running.accessLog(), loaded.accessLog()));
        restart.addAll(keys("auth", running.auth(), loaded.auth()));
        restart.addAll(keys("tracing", running.tracing(), loaded.tracing()));

        // A section added to GatewayConfig must be decided here, live (take loaded's) or restart (keep running's and
        // name its keys), or a reload would silently drop it to its default.
        GatewayConfig effective = new GatewayConfig(running.listen(), running.admin(), loaded.mode(), backends,
                loaded.health(), failback, loaded.routing(), proxy, sync, running.tls(), loaded.rateLimits(),
                running.accessLog(), running.auth()).withTracing(running.tracing());
        return new ConfigDiff(added, removed, changed, sections, restart, effective);
    }

    /** {@code sync.interval} applies live; any other sync change (or adding or removing the section) waits. */
    private static Optional<SyncConfig> sync(Optional<SyncConfig> running, Optional<SyncConfig> loaded, List<String> restart,
            List<String> sections) {
        if (running.isEmpty() || loaded.isEmpty()) {
            restart.addAll(optionalKeys("sync", running, loaded));
            return running;
        }
        SyncConfig r = running.get();
        SyncConfig l = loaded.get();
        SyncConfig kept = new SyncConfig(r.repository(), r.branch(), r.path(), r.folder(), l.interval(), r.gitToken(),
                r.sshKey(), r.webhookSecret(), r.writeBack(), r.pollInterval(), r.maxDeletes(), r.dataDir(), r.scope(),
                r.datasources(), r.environment());
        // ${VAR} values are read once, at start: the environment is not a key to name.
        SyncConfig asLoaded = new SyncConfig(l.repository(), l.branch(), l.path(), l.folder(), l.interval(), l.gitToken(),
                l.sshKey(), l.webhookSecret(), l.writeBack(), l.pollInterval(), l.maxDeletes(), l.dataDir(), l.scope(),
                l.datasources(), r.environment());
        restart.addAll(keys("sync", kept, asLoaded));
        if (!r.interval().equals(l.interval())) {
            sections.add("sync.interval");
        }
        return Optional.of(kept);
    }

    /** Nothing to do: the same configuration as running. */
    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty() && sections.isEmpty() && restartNeeded.isEmpty();
    }

    /** Whether the backends' routing changes (added, removed, url or role, checks, mode, failback). */
    public boolean routingChanged() {
        return !added.isEmpty() || !removed.isEmpty() || !changed.isEmpty() || sections.contains("mode")
                || sections.contains("health") || sections.contains("failback") || sections.contains("routing");
    }

    /** What was applied, in words for the answer and the log: {@code backends +c -a ~b, health, proxy}. */
    public String describeApplied() {
        List<String> parts = new ArrayList<>();
        if (!added.isEmpty() || !removed.isEmpty() || !changed.isEmpty()) {
            StringBuilder b = new StringBuilder("backends");
            added.forEach(n -> b.append(" +").append(n));
            removed.forEach(n -> b.append(" -").append(n));
            changed.forEach(n -> b.append(" ~").append(n));
            parts.add(b.toString());
        }
        parts.addAll(sections);
        return parts.isEmpty() ? "nothing" : String.join(", ", parts);
    }

    private static Map<String, BackendConfig> byName(GatewayConfig config) {
        Map<String, BackendConfig> out = new LinkedHashMap<>();
        config.backends().forEach(b -> out.put(b.name(), b));
        return out;
    }

    private static <T> List<String> optionalKeys(String key, Optional<T> a, Optional<T> b) {
        if (a.isPresent() && b.isPresent()) {
            return keys(key, a.get(), b.get());
        }
        return a.isPresent() == b.isPresent() ? List.of() : List.of(key);
    }

    /** The key paths of the components that differ, for records; the key itself for any other value. */
    static List<String> keys(String key, Object a, Object b) {
        if (Objects.equals(a, b)) {
            return List.of();
        }
        if (a == null || b == null || !a.getClass().isRecord() || a.getClass() != b.getClass()) {
            return List.of(key);
        }
        List<String> out = new ArrayList<>();
        for (RecordComponent c : a.getClass().getRecordComponents()) {
            try {
                Object x = c.getAccessor().invoke(a);
                Object y = c.getAccessor().invoke(b);
                if (!Objects.equals(x, y)) {
                    out.add(key + "." + kebab(c.getName()));
                }
            } catch (ReflectiveOperationException e) {
                return List.of(key);
            }
        }
        return out;
    }

    /** {@code connectTimeout} as the file spells it: {@code connect-timeout}. */
    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}
