package io.grafanaha.gateway.discovery;

import static io.grafanaha.gateway.discovery.FakeResolver.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.grafanaha.gateway.config.BackendConfig;
import io.grafanaha.gateway.config.ConfigLoader;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.health.Role;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A backend entry naming a DNS name stands for one backend per address it resolves to. */
class DnsDiscoveryTest {
    private final FakeResolver dns = new FakeResolver();
    private final DnsDiscovery discovery = new DnsDiscovery(dns);

    private static GatewayConfig config(String discovery) throws Exception {
        return new ConfigLoader(Map.of()).parse("""
                listen: 127.0.0.1:8080
                admin:
                  listen: 127.0.0.1:9090
                mode: failover
                backends:
                  - name: grafana
                    url: http://grafana-headless.monitoring.svc.cluster.local:3000
                    role: primary
                %s
                  - name: fixed
                    url: http://10.1.0.1:3000
                """.formatted(discovery), "test.yaml");
    }

    @Test
    void anAddressRecordEachIsABackendAndTheLowestAddressIsThePrimary() throws Exception {
        dns.addresses.put("grafana-headless.monitoring.svc.cluster.local", List.of(ip("10.0.0.9"), ip("10.0.0.10"), ip("fd00::7")));

        GatewayConfig expanded = discovery.expand(config("    discovery: dns"));

        assertThat(expanded.backends()).extracting(BackendConfig::name, b -> b.url().toString(), BackendConfig::role)
                .containsExactly(
                        tuple("grafana-10.0.0.9", "http://10.0.0.9:3000", Role.PRIMARY),
                        tuple("grafana-10.0.0.10", "http://10.0.0.10:3000", Role.REPLICA),
                        tuple("grafana-fd00-0-0-0-0-0-0-7", "http://[fd00:0:0:0:0:0:0:7]:3000", Role.REPLICA),
                        tuple("fixed", "http://10.1.0.1:3000", Role.REPLICA));
    }

    @Test
    void srvTargetsAreNamedByTheirPodAndTheLowestOrdinalIsThePrimary() throws Exception {
        String name = "_http._tcp.grafana-headless.monitoring.svc.cluster.local";
        dns.srv.put(name, List.of(
                new Resolver.SrvRecord(0, 50, 3000, "grafana-10.grafana-headless.monitoring.svc.cluster.local."),
                new Resolver.SrvRecord(0, 50, 3000, "grafana-2.grafana-headless.monitoring.svc.cluster.local")));

        GatewayConfig expanded = discovery.expand(config("    discovery: dns-srv\n    srv-service: http"));

        assertThat(expanded.backends()).extracting(BackendConfig::name, BackendConfig::role).startsWith(
                tuple("grafana-grafana-2", Role.PRIMARY), tuple("grafana-grafana-10", Role.REPLICA));
        assertThat(expanded.backends().get(0).url())
                .isEqualTo(URI.create("http://grafana-2.grafana-headless.monitoring.svc.cluster.local:3000"));
    }

    @Test
    void noAnswerRoutesToTheNameAsWrittenAndAFailedLookupKeepsTheLastAnswer() throws Exception {
        GatewayConfig template = config("    discovery: dns");
        assertThat(discovery.expand(template).backends()).extracting(BackendConfig::name).containsExactly("grafana", "fixed");

        dns.addresses.put("grafana-headless.monitoring.svc.cluster.local", List.of(ip("10.0.0.9")));
        assertThat(discovery.refresh(template)).isTrue();
        assertThat(discovery.expand(template).backends()).extracting(BackendConfig::name).containsExactly("grafana-10.0.0.9", "fixed");

        dns.failing = true;
        assertThat(discovery.refresh(template)).isFalse();
        assertThat(discovery.expand(template).backends()).extracting(BackendConfig::name).containsExactly("grafana-10.0.0.9", "fixed");
        assertThat(DnsDiscovery.interval(template)).hasSeconds(10);
    }
}
