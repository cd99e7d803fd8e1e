package io.grafanaha.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code backends[].discovery}, {@code dns-refresh} and {@code srv-service}: checked like every other key. */
class DiscoveryConfigTest {
    private static String yaml(String keys) {
        return """
                listen: 127.0.0.1:8080
                admin:
                  listen: 127.0.0.1:9090
                mode: failover
                backends:
                  - name: grafana
                    url: http://grafana-headless.monitoring.svc:3000
                    role: primary
                %s""".formatted(keys);
    }

    private static List<String> problems(String yaml) {
        try {
            new ConfigLoader(Map.of()).parse(yaml, "test.yaml");
            return List.of();
        } catch (ConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
    }

    @Test
    void aDnsSrvEntryHasItsServiceAndRefreshAndCountsAsSeveralInstancesForRetries() throws Exception {
        GatewayConfig c = new ConfigLoader(Map.of()).parse(
                yaml("    discovery: dns-srv\n    srv-service: http\n    dns-refresh: 30s\n"), "test.yaml");

        assertThat(c.backends().get(0).discovery()).contains(new Discovery(Discovery.Kind.DNS_SRV, "http", Duration.ofSeconds(30)));
        assertThat(c.routing().retries()).isEqualTo(1);
        assertThat(ConfigPrinter.print(c)).contains("discovery: dns-srv", "srv-service: http");
    }

    @Test
    void wrongDiscoveryKeysAreNamedWithTheirLine() {
        assertThat(problems(yaml("    discovery: consul\n"))).singleElement().asString()
                .startsWith("backends[0].discovery (line 9)");
        assertThat(problems(yaml("    dns-refresh: 5s\n"))).containsExactly(
                "backends[0].dns-refresh (line 9): is for backends with discovery: dns or dns-srv");
        assertThat(problems(yaml("    discovery: dns\n    srv-service: http\n"))).containsExactly(
                "backends[0].srv-service (line 10): is for discovery: dns-srv");
        assertThat(problems(yaml("    discovery: dns\n    dns-refresh: never\n"))).singleElement().asString()
                .startsWith("backends[0].dns-refresh (line 10)");
    }
}
