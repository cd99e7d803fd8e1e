package io.grafanaha.gateway.discovery;

import io.grafanaha.gateway.config.BackendConfig;
import io.grafanaha.gateway.config.Discovery;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.health.Role;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backends from DNS: an entry with {@code discovery} expands to one backend per address its name resolves to,
 * named {@code <entry>-<address>} ({@code dns}) or {@code <entry>-<target's first label>} ({@code dns-srv}, e.g.
 * {@code grafana-grafana-0} for a StatefulSet's pod {@code grafana-0}). With {@code role: primary} the first one is
 * the primary: the lowest address, or for SRV the lowest priority, then the lowest ordinal (so a StatefulSet's pod 0
 * is the primary). The rest are replicas.
 *
 * <p>What the gateway routes is always a plain list of backends: {@link #expand} turns the file's entries into it,
 * and a change found by {@link #refresh} goes through the same diff-and-apply path as a configuration reload. An
 * answer with no address expands to the entry itself (its url as written, checked like any backend, so it is down
 * and says why); a failed lookup keeps the last answer, so a DNS hiccup never removes every backend.
 */
public final class DnsDiscovery {
    private static final Logger log = LoggerFactory.getLogger(DnsDiscovery.class);

    private final Resolver resolver;
    /** The last answer for each entry, keyed by the entry as written: an entry a reload changed is asked afresh. */
    private final Map<BackendConfig, List<BackendConfig>> expansions = new ConcurrentHashMap<>();

    public DnsDiscovery(Resolver resolver) {
        this.resolver = resolver;
    }

    /** {@code template} with every entry with discovery replaced by its backends; an entry never asked about is asked now. */
    public GatewayConfig expand(GatewayConfig template) {
        List<BackendConfig> backends = new ArrayList<>();
        for (BackendConfig entry : template.backends()) {
            if (entry.discovery().isEmpty()) {
                backends.add(entry);
            } else {
                backends.addAll(expansions.computeIfAbsent(entry, this::resolveOrItself));
            }
        }
        expansions.keySet().retainAll(template.backends());
        return template.withBackends(backends);
    }

    /** Asks again for every entry with discovery; true if any answer changed. A failed lookup keeps the last answer. */
    public boolean refresh(GatewayConfig template) {
        boolean changed = false;
        for (BackendConfig entry : template.backends()) {
            if (entry.discovery().isEmpty()) {
                continue;
            }
            try {
                List<BackendConfig> now = resolve(entry);
                changed |= !now.equals(expansions.put(entry, now));
            } catch (IOException e) {
                log.warn("backend {}: {}; keeping the {} backend(s) of the last answer", entry.name(), e.getMessage(),
                        expansions.getOrDefault(entry, List.of()).size());
            }
        }
        return changed;
    }

    /** How long until the next look: the shortest {@code dns-refresh} of the entries (the default without any). */
    public static Duration interval(GatewayConfig template) {
        return template.backends().stream().flatMap(b -> b.discovery().stream()).map(Discovery::refresh)
                .min(Comparator.naturalOrder()).orElse(Discovery.DEFAULT_REFRESH);
    }

    private List<BackendConfig> resolveOrItself(BackendConfig entry) {
        try {
            return resolve(entry);
        } catch (IOException e) {
            log.warn("backend {}: {}; routing to {} as written until DNS answers", entry.name(), e.getMessage(), entry.url());
            return List.of(itself(entry));
        }
    }

    /** The backends {@code entry} stands for now, in the order that makes the first one the primary. */
    List<BackendConfig> resolve(BackendConfig entry) throws IOException {
        Discovery discovery = entry.discovery().orElseThrow();
        String host = host(entry.url());
        List<Target> targets = new ArrayList<>();
        if (discovery.kind() == Discovery.Kind.DNS) {
            int port = port(entry.url());
            resolver.addresses(host).stream().sorted(DnsDiscovery::byAddress).distinct()
                    .forEach(a -> targets.add(new Target(label(a), a.getHostAddress().replaceAll("%.*$", ""), port)));
        } else {
            resolver.srv(discovery.srvName(host)).stream()
                    .sorted(Comparator.comparingInt(Resolver.SrvRecord::priority)
                            .thenComparing(r -> firstLabel(r.target()), DnsDiscovery::byOrdinal)
                            .thenComparingInt(Resolver.SrvRecord::port))
                    .forEach(r -> targets.add(new Target(srvLabel(r), r.target(), r.port())));
        }
        if (targets.isEmpty()) {
            log.warn("backend {}: DNS has no {} for {}; routing to {} as written", entry.name(),
                    discovery.kind() == Discovery.Kind.DNS ? "address" : "SRV record", host, entry.url());
            return List.of(itself(entry));
        }
        java.util.Set<String> labels = new java.util.HashSet<>();
        java.util.Set<String> repeated = new java.util.HashSet<>();
        targets.forEach(t -> {
            if (!labels.add(t.label())) {
                repeated.add(t.label());
            }
        });
        List<BackendConfig> out = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            Target t = targets.get(i);
            Role role = i == 0 && entry.role() == Role.PRIMARY ? Role.PRIMARY : Role.REPLICA;
            // Two SRV records for one host (two ports) would share a name: the port tells them apart.
            String label = repeated.contains(t.label()) ? t.label() + "-" + t.port() : t.label();
            out.add(entry.expandedTo(entry.name() + "-" + label, url(entry.url(), t.host(), t.port()), role));
        }
        return List.copyOf(out);
    }

    private record Target(String label, String host, int port) {}

    private static BackendConfig itself(BackendConfig entry) {
        return entry.expandedTo(entry.name(), entry.url(), entry.role());
    }

    private static URI url(URI base, String host, int port) {
        try {
            return new URI(base.getScheme(), null, host, port, base.getRawPath() == null ? "" : base.getPath(), null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot build a url for " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    private static String host(URI url) {
        String host = url.getHost();
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    private static int port(URI url) {
        return url.getPort() > 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }

    /** An address as a name part: {@code 10.0.0.7}, or {@code fd00-0-0-0-0-0-0-7} (a name holds no ':'). */
    private static String label(InetAddress address) {
        return address.getHostAddress().replaceAll("%.*$", "").replace(':', '-');
    }

    /** A target's name part: its first label; for an address literal, the address and port (stable as records come and go). */
    private static String srvLabel(Resolver.SrvRecord r) {
        String target = r.target();
        if (target.contains(":") || target.matches("[0-9.]+")) {
            return target.replace(':', '-') + "-" + r.port();
        }
        return firstLabel(target);
    }

    /** {@code grafana-0} of {@code grafana-0.grafana-headless.ns.svc.cluster.local}. */
    private static String firstLabel(String target) {
        int dot = target.indexOf('.');
        return dot > 0 ? target.substring(0, dot) : target;
    }

    /** IPv4 before IPv6, then by the address's bytes. */
    private static int byAddress(InetAddress a, InetAddress b) {
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        return x.length != y.length ? Integer.compare(x.length, y.length) : Arrays.compareUnsigned(x, y);
    }

    /** {@code grafana-2} before {@code grafana-10}: a StatefulSet's ordinal compares as a number. */
    static int byOrdinal(String a, String b) {
        String pa = a.replaceAll("\\d+$", "");
        String pb = b.replaceAll("\\d+$", "");
        if (pa.equals(pb) && pa.length() < a.length() && pb.length() < b.length()) {
            return new java.math.BigInteger(a.substring(pa.length())).compareTo(new java.math.BigInteger(b.substring(pb.length())));
        }
        return a.compareTo(b);
    }
}
