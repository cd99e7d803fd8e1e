package io.grafanaha.gateway.discovery;

import static io.grafanaha.gateway.discovery.FakeResolver.ip;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The JDK's DNS client, asked by the gateway, against a name server the test runs on loopback. */
class JndiResolverTest {
    private LoopbackDns dns;

    @AfterEach
    void stop() throws Exception {
        if (dns != null) {
            dns.close();
        }
    }

    @Test
    void addressAndSrvRecordsOfAHeadlessServiceAreReadAndAnUnknownNameIsEmpty() throws Exception {
        dns = new LoopbackDns();
        dns.addresses.put("grafana-headless.test", List.of(ip("10.0.0.9"), ip("fd00::7")));
        dns.srv.put("_grafana._tcp.grafana-headless.test", List.of(
                new Resolver.SrvRecord(0, 50, 3000, "grafana-0.grafana-headless.test"),
                new Resolver.SrvRecord(1, 50, 3001, "grafana-1.grafana-headless.test")));
        JndiResolver resolver = new JndiResolver(dns.address());

        assertThat(resolver.addresses("grafana-headless.test")).containsExactlyInAnyOrder(ip("10.0.0.9"), ip("fd00::7"));
        assertThat(resolver.srv("_grafana._tcp.grafana-headless.test")).containsExactlyInAnyOrder(
                new Resolver.SrvRecord(0, 50, 3000, "grafana-0.grafana-headless.test"),
                new Resolver.SrvRecord(1, 50, 3001, "grafana-1.grafana-headless.test"));
        assertThat(resolver.addresses("nothing-here.test")).isEmpty();
    }
}
