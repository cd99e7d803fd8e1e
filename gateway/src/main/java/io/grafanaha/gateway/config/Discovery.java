package io.grafanaha.gateway.config;

import java.time.Duration;

/**
 * {@code backends[].discovery}: the entry's url names a DNS name, re-resolved every {@code dns-refresh}.
 * {@link Kind#DNS}: its A/AAAA records, each at the url's port; {@link Kind#DNS_SRV}: the SRV records of
 * {@code _<srv-service>._tcp.<url host>}, each target at its own port (a Kubernetes headless Service publishes
 * both, the SRV targets being the pods' stable names: {@code grafana-0.grafana-headless...}).
 */
public record Discovery(Kind kind, String srvService, Duration refresh) {
    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(10);

    public enum Kind { DNS, DNS_SRV }

    /** The name to ask for SRV records, for an entry whose url's host is {@code host}. */
    public String srvName(String host) {
        return "_" + srvService + "._tcp." + host;
    }
}
