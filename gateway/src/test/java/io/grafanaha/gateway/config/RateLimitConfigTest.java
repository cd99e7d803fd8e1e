package io.grafanaha.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RateLimitConfigTest {
    private static final String MINIMAL = """
            listen: 127.0.0.1:8080
            admin:
              listen: 127.0.0.1:9090
            mode: failover
            backends:
              - name: grafana-a
                url: http://127.0.0.1:3000
                role: primary
            """;

    private static GatewayConfig parse(String yaml) throws ConfigException {
        return new ConfigLoader(Map.of()).parse(yaml, "test.yaml");
    }

    private static List<String> problems(String yaml) {
        try {
            parse(yaml);
        } catch (ConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
        throw new AssertionError("expected the configuration to be refused");
    }

    @Test
    void signInIsLimitedByDefault() throws Exception {
        RateLimitConfig limits = parse(MINIMAL).rateLimits();

        assertThat(limits.login()).hasValue(new RateLimitConfig.Rate(10, Duration.ofMinutes(1)));
        assertThat(limits.paths()).isEmpty();
        assertThat(limits.maxAddresses()).isEqualTo(RateLimitConfig.DEFAULT_MAX_ADDRESSES);
    }

    @Test
    void loginAndPathRulesAreRead() throws Exception {
        RateLimitConfig limits = parse(MINIMAL + """
                rate-limits:
                  login: 5/s
                  paths:
                    - prefix: /api/ds/query
                      rate: 600/min
                    - prefix: /render
                      rate: 100/h
                  max-addresses: 5000
                """).rateLimits();

        assertThat(limits.login()).hasValue(new RateLimitConfig.Rate(5, Duration.ofSeconds(1)));
        assertThat(limits.paths()).containsExactly(
                new RateLimitConfig.PathRule("/api/ds/query", new RateLimitConfig.Rate(600, Duration.ofMinutes(1))),
                new RateLimitConfig.PathRule("/render", new RateLimitConfig.Rate(100, Duration.ofHours(1))));
        assertThat(limits.maxAddresses()).isEqualTo(5000);
    }

    @Test
    void theEffectiveConfigurationShowsTheLimits() throws Exception {
        String printed = ConfigPrinter.print(parse(MINIMAL + """
                rate-limits:
                  paths:
                    - prefix: /render
                      rate: 100/h
                """));

        assertThat(printed).contains("rate-limits:\n  login: 10/min\n  paths:\n    - prefix: /render\n      rate: 100/h\n");
    }

    @Test
    void loginOffTurnsTheSignInLimitOff() throws Exception {
        assertThat(parse(MINIMAL + "rate-limits:\n  login: off\n").rateLimits().login()).isEqualTo(Optional.empty());
    }

    @Test
    void badRatesAndPrefixesAreReportedWithTheirKeyAndLine() {
        assertThat(problems(MINIMAL + """
                rate-limits:
                  login: ten a minute
                  paths:
                    - prefix: api/
                      rate: 0/min
                    - rate: 5/fortnight
                  burst: 3
                """)).anySatisfy(p -> assertThat(p).contains("rate-limits.login (line 10)").contains("is not a rate"))
                .anySatisfy(p -> assertThat(p).contains("rate-limits.paths[0].prefix (line 12)").contains("must start with /"))
                .anySatisfy(p -> assertThat(p).contains("rate-limits.paths[0].rate (line 13)").contains("\"0/min\" is not a rate"))
                .anySatisfy(p -> assertThat(p).contains("rate-limits.paths[1].prefix").contains("required"))
                .anySatisfy(p -> assertThat(p).contains("rate-limits.paths[1].rate").contains("\"5/fortnight\" is not a rate"))
                .anySatisfy(p -> assertThat(p).contains("rate-limits.burst").contains("unknown key"));
    }

    @Test
    void theConcurrentRequestCapIsOffUnlessSet() throws Exception {
        assertThat(parse(MINIMAL).rateLimits().maxConcurrentPerAddress()).isZero();
        assertThat(parse(MINIMAL + "rate-limits:\n  max-concurrent-per-address: 64\n").rateLimits().maxConcurrentPerAddress())
                .isEqualTo(64);
        assertThat(parse(MINIMAL + "rate-limits:\n  max-concurrent-per-address: off\n").rateLimits().maxConcurrentPerAddress())
                .isZero();
        assertThat(problems(MINIMAL + "rate-limits:\n  max-concurrent-per-address: 0\n"))
                .containsExactly("rate-limits.max-concurrent-per-address (line 10): 0 is out of range (1 to 1000000)");
    }
}
