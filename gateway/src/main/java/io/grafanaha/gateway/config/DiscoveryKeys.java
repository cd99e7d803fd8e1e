package io.grafanaha.gateway.config;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The keys of a backend entry that names a DNS name: {@code discovery}, {@code dns-refresh}, {@code srv-service}. */
final class DiscoveryKeys {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private DiscoveryKeys() {}

    /** {@code discovery: dns | dns-srv}, with {@code dns-refresh} and {@code srv-service}; none without the key. */
    static Optional<Discovery> discovery(Section b) {
        if (!b.has("discovery")) {
            if (b.has("dns-refresh")) {
                b.problem("dns-refresh", "is for backends with discovery: dns or dns-srv");
            }
            if (b.has("srv-service")) {
                b.problem("srv-service", "is for backends with discovery: dns-srv");
            }
            return Optional.empty();
        }
        Discovery.Kind kind = b.choice("discovery", Discovery.Kind.DNS,
                Map.of("dns", Discovery.Kind.DNS, "dns-srv", Discovery.Kind.DNS_SRV));
        String service = b.string("srv-service", "grafana").trim();
        if (b.has("srv-service") && kind != Discovery.Kind.DNS_SRV) {
            b.problem("srv-service", "is for discovery: dns-srv");
        } else if (!NAME.matcher(service).matches()) {
            b.problem("srv-service", "\"" + service + "\" is not a service name (the port's name, e.g. grafana or http)");
        }
        return Optional.of(new Discovery(kind, service, b.positiveDuration("dns-refresh", Discovery.DEFAULT_REFRESH)));
    }
}
