package io.grafanaha.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grafanaha.health.Role;
import io.grafanaha.health.RoutingMode;
import io.grafanaha.sync.desired.SyncScope;
import io.grafanaha.sync.plan.DeleteLimit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {
    private static final String MINIMAL = """
            listen: 127.0.0.1:8080
            admin:
              listen: 127.0.0.1:9090
            mode: failover
            backends:
              - name: grafana-a
                url: http://127.0.0.1:3000
                role: primary
              - name: grafana-b
                url: http://127.0.0.1:3001
            """;

    private static GatewayConfig parse(String yaml, Map<String, String> env) throws ConfigException {
        return new ConfigLoader(env).parse(yaml, "test.yaml");
    }

    private static List<String> problems(String yaml) {
        try {
            parse(yaml, Map.of());
        } catch (ConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
        throw new AssertionError("expected the configuration to be refused");
    }

    @Test
    void shippedExamplesAreValid() throws Exception {
        ConfigLoader loader = new ConfigLoader(Map.of());
        GatewayConfig failover = loader.load(Path.of("..", "conf", "failover.yaml"));
        GatewayConfig balanced = loader.load(Path.of("..", "conf", "load-balance.yaml"));

        assertThat(failover.mode()).isEqualTo(RoutingMode.FAILOVER);
        assertThat(failover.sync()).isPresent();
        assertThat(balanced.mode()).isEqualTo(RoutingMode.LOAD_BALANCE);
        assertThat(balanced.routing().stickyCookie()).isEqualTo("grafana_ha_affinity");
    }

    @Test
    void everyOptionalKeyGetsItsDefault() throws Exception {
        GatewayConfig c = parse(MINIMAL, Map.of());

        assertThat(c.health()).isEqualTo(new HealthConfig("/api/health", Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3));
        assertThat(c.failback()).isEqualTo(new FailbackConfig(FailbackConfig.Mode.AUTO, false, Duration.ofSeconds(10)));
        assertThat(c.routing()).isEqualTo(new RoutingConfig(1, "", true));
        assertThat(c.proxy().connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.sync()).isEmpty();
        assertThat(c.backends()).extracting(BackendConfig::role).containsExactly(Role.PRIMARY, Role.REPLICA);
        assertThat(c.admin().token().isEmpty()).isTrue();
    }

    @Test
    void slowClientAndConnectionLimitsHaveDefaultsAndAreChecked() throws Exception {
        ProxyConfig defaults = parse(MINIMAL, Map.of()).proxy();
        assertThat(defaults.requestHeadTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.maxConnections()).isEqualTo(10_000);
        assertThat(defaults.maxConnectionsPerClient()).isEqualTo(1024);

        ProxyConfig set = parse(MINIMAL + """
                proxy:
                  request-head-timeout: 3s
                  max-connections: 500
                  max-connections-per-client: 50
                """, Map.of()).proxy();
        assertThat(set.requestHeadTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(set.maxConnections()).isEqualTo(500);
        assertThat(set.maxConnectionsPerClient()).isEqualTo(50);

        assertThat(problems(MINIMAL + """
                proxy:
                  request-head-timeout: 0s
                  max-connections: 100
                  max-connections-per-client: 200
                """)).anySatisfy(p -> assertThat(p).contains("proxy.request-head-timeout").contains("greater than 0"))
                .anySatisfy(p -> assertThat(p).contains("proxy.max-connections-per-client").contains("more than max-connections"));
        assertThat(problems(MINIMAL + "proxy:\n  max-connections: 0\n"))
                .anySatisfy(p -> assertThat(p).contains("proxy.max-connections").contains("out of range"));
    }

    @Test
    void syncScopeIsFolderByDefaultAndInstanceWhenAsked() throws Exception {
        String sync = "sync:\n  repository: https://git.example.org/ops/grafana-manifests.git\n";
        assertThat(parse(MINIMAL + sync, Map.of()).sync().orElseThrow().scope()).isEqualTo(SyncScope.FOLDER);
        assertThat(parse(MINIMAL + sync + "  scope: instance\n", Map.of()).sync().orElseThrow().scope())
                .isEqualTo(SyncScope.INSTANCE);
        assertThat(problems(MINIMAL + sync + "  scope: everything\n"))
                .anySatisfy(p -> assertThat(p).contains("sync.scope").contains("folder | instance"));
    }

    @Test
    void syncDefaultsDeriveTheFolderFromTheRepositoryAndRequireSyncForFailback() throws Exception {
        GatewayConfig c = parse(MINIMAL + """
                sync:
                  repository: https://git.example.org/ops/grafana-manifests.git
                """, Map.of());

        SyncConfig s = c.sync().orElseThrow();
        assertThat(s.folder()).isEqualTo("grafana-manifests");
        assertThat(s.branch()).isEqualTo("main");
        assertThat(s.path()).isEmpty();
        assertThat(s.interval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.writeBack()).isTrue();
        assertThat(s.maxDeletes()).isEqualTo(new DeleteLimit(10, true));
        assertThat(s.dataDir()).isEqualTo(Path.of("./data"));
        assertThat(c.failback().requireSync()).isTrue();
    }

    @Test
    void environmentVariablesAndDefaultsAreSubstituted() throws Exception {
        GatewayConfig c = parse("""
                listen: ${LISTEN:-127.0.0.1:8080}
                admin:
                  listen: 127.0.0.1:${ADMIN_PORT}
                  token: ${ADMIN_TOKEN}
                mode: load-balance
                backends:
                  - name: a
                    url: http://${HOST_A:-127.0.0.1}:3000
                """, Map.of("ADMIN_PORT", "9999", "ADMIN_TOKEN", "s3cret", "HOST_A", "10.1.2.3"));

        assertThat(c.listen()).isEqualTo(new HostPort("127.0.0.1", 8080));
        assertThat(c.admin().listen().port()).isEqualTo(9999);
        assertThat(c.admin().token().reveal()).isEqualTo("s3cret");
        assertThat(c.backends().get(0).url().getHost()).isEqualTo("10.1.2.3");
    }

    @Test
    void theTryTimeoutIsOffUnlessSetAndABadOneIsNamed() throws Exception {
        assertThat(parse(MINIMAL, Map.of()).routing().tryTimeout()).isZero();
        assertThat(parse(MINIMAL + "routing:\n  try-timeout: 300ms\n", Map.of()).routing().tryTimeout())
                .isEqualTo(Duration.ofMillis(300));
        assertThat(problems(MINIMAL + "routing:\n  try-timeout: soon\n")).containsExactly(
                "routing.try-timeout (line 12): \"soon\" is not a duration (write e.g. 500ms, 2s, 1m)");
    }

    @Test
    void savesAreReplayedUnlessTurnedOffAndABadValueIsNamed() throws Exception {
        assertThat(parse(MINIMAL, Map.of()).routing().replaySaves()).isTrue();
        assertThat(parse(MINIMAL + "routing:\n  replay-saves: false\n", Map.of()).routing().replaySaves()).isFalse();
        assertThat(problems(MINIMAL + "routing:\n  replay-saves: maybe\n")).hasSize(1)
                .allSatisfy(p -> assertThat(p).startsWith("routing.replay-saves (line 12): "));
    }

    @Test
    void anUnsetVariableIsNamedWithItsKeyAndLine() {
        assertThat(problems(MINIMAL + "routing:\n  sticky-cookie: ${COOKIE}\n"))
                .containsExactly("routing.sticky-cookie (line 12): environment variable COOKIE is not set (write ${COOKIE:-default} for a default)");
    }

    @Test
    void everyProblemIsReportedAtOnceWithKeyPathAndLine() {
        List<String> problems = problems("""
                listen: 127.0.0.1:8080
                admin:
                  listen: 127.0.0.1:9090
                mode: failover
                backends:
                  - name: grafana-a
                    url: http://127.0.0.1:3000
                    role: primary
                  - name: grafana-b
                    url: gopher://127.0.0.1:3001
                health:
                  interval: soon
                  fall: 0
                """);

        assertThat(problems).containsExactly(
                "backends[1].url (line 10): \"gopher://127.0.0.1:3001\" is not an http or https URL",
                "health.interval (line 12): \"soon\" is not a duration (write e.g. 500ms, 2s, 1m)",
                "health.fall (line 13): 0 is out of range (1 to 100)");
    }

    @Test
    void requiredKeysAreNamed() {
        assertThat(problems("health:\n  rise: 2\n")).contains(
                "listen (line 1): required (write host:port, e.g. 127.0.0.1:8080)",
                "mode (line 1): required (failover | load-balance)",
                "backends (line 1): required: a list of the Grafana instances, each with name and url");
    }

    @Test
    void typosAreUnknownKeysNotSilentDefaults() {
        assertThat(problems(MINIMAL + "helth:\n  interval: 2s\nrouting:\n  retires: 2\n")).containsExactly(
                "helth (line 11): unknown key (expected one of: access-log, admin, auth, backends, failback, health, listen, mode, proxy, rate-limits, routing, sync, tls, tracing)",
                "routing.retires (line 14): unknown key (expected one of: last-resort, replay-saves, retries, sticky-cookie, try-timeout)");
    }

    @Test
    void duplicateKeysAreRefused() {
        assertThat(problems(MINIMAL + "mode: load-balance\n")).containsExactly("mode (line 11): duplicate key (first at line 4)");
    }

    @Test
    void backendsNeedUniqueNamesAndOnePrimaryInFailoverMode() {
        assertThat(problems("""
                listen: 127.0.0.1:8080
                admin:
                  listen: 127.0.0.1:9090
                mode: failover
                backends:
                  - name: a
                    url: http://127.0.0.1:3000
                  - name: a
                    url: http://127.0.0.1:3001
                  - name: "b c"
                    url: http://127.0.0.1:3000
                """)).containsExactly(
                "backends (line 6): failover mode needs one backend with role: primary",
                "backends[1].name (line 8): \"a\" is already the name of backends[0]",
                "backends[2].name (line 10): \"b c\" may hold only letters, digits, '.', '_' and '-' (it appears in URLs and metric labels)",
                "backends[2].url (line 11): is already the url of backends[0]");
    }

    @Test
    void requireSyncWithoutASyncSectionIsRefused() {
        assertThat(problems(MINIMAL + "failback:\n  require-sync: true\n"))
                .containsExactly("failback.require-sync (line 12): is true but there is no sync section: freshness needs the Git sync (set it to false)");
    }

    @Test
    void syncCredentialsMustFitTheTransport() {
        assertThat(problems(MINIMAL + """
                sync:
                  repository: git://127.0.0.1/repo.git
                  git-token: abc
                  ssh-key: /etc/key
                  path: ../etc
                """)).containsExactly(
                "sync.git-token (line 13): is for https repositories, but repository is git",
                "sync.ssh-key (line 14): set either git-token or ssh-key, not both",
                "sync.ssh-key (line 14): is for ssh repositories, but repository is git",
                "sync.path (line 15): \"../etc\" must be a plain path inside the repository");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://h/o/r.git", "http://h/r", "ssh://git@h/o/r.git", "git@github.com:o/r.git", "git://127.0.0.1:9418/r.git", "file:///srv/git/r.git"})
    void everyGitTransportIsAccepted(String repository) throws Exception {
        GatewayConfig c = parse(MINIMAL + "sync:\n  repository: " + repository + "\n", Map.of());
        assertThat(c.sync().orElseThrow().folder()).isEqualTo("r");
    }

    @Test
    void durationsPercentagesAndPathsAreParsed() throws Exception {
        GatewayConfig c = parse(MINIMAL + """
                health:
                  interval: 1m30s
                  timeout: 500ms
                failback:
                  hold: 0
                sync:
                  repository: file:///srv/r.git
                  path: /dashboards/shared/
                  max-deletes: 25
                """, Map.of());

        assertThat(c.health().interval()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.health().timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.failback().hold()).isZero();
        assertThat(c.sync().orElseThrow().path()).isEqualTo("dashboards/shared/");
        assertThat(c.sync().orElseThrow().maxDeletes()).isEqualTo(new DeleteLimit(25, false));
    }

    @Test
    void brokenYamlNamesTheLine() {
        assertThat(problems("listen: 127.0.0.1:8080\nadmin: [\n")).singleElement().asString()
                .startsWith("(top level) (line 2): not valid YAML");
    }

    @Test
    void secretsNeverAppearInAnyPrintedForm() throws Exception {
        GatewayConfig c = parse("""
                listen: 127.0.0.1:8080
                admin:
                  listen: 127.0.0.1:9090
                  token: admin-token-value
                mode: failover
                backends:
                  - name: a
                    url: http://127.0.0.1:3000
                    role: primary
                    api-token: glsa_backendtokenvalue
                sync:
                  repository: https://h/o/r.git
                  git-token: git-token-value
                  webhook-secret: hook-secret-value
                """, Map.of());

        String printed = ConfigPrinter.print(c) + c + c.backends() + c.sync();
        assertThat(printed).doesNotContain("admin-token-value", "glsa_backendtokenvalue", "git-token-value", "hook-secret-value");
        assertThat(ConfigPrinter.print(c)).contains("token: <redacted>", "api-token: <redacted>");
    }

    @Test
    void printedConfigurationReadsBackToTheSameConfiguration() throws Exception {
        GatewayConfig c = new ConfigLoader(Map.of()).load(Path.of("..", "conf", "failover.yaml"));
        GatewayConfig again = parse(ConfigPrinter.print(c).replace("<unset>", "\"\""), Map.of());
        assertThat(again).isEqualTo(c);
    }

    @Test
    void trustedProxiesAreNetworksAndAnythingElseIsNamedWithItsLine() throws Exception {
        GatewayConfig listed = parse(MINIMAL + """
                proxy:
                  trusted-proxies: [10.0.0.0/8, 192.168.1.10, "fd00::/8"]
                """, Map.of());
        assertThat(listed.proxy().trustedProxies().trusts(java.net.InetAddress.getByName("10.20.30.40"))).isTrue();
        assertThat(listed.proxy().trustedProxies().trusts(java.net.InetAddress.getByName("192.168.1.11"))).isFalse();
        assertThat(listed.proxy().trustedProxies().trusts(java.net.InetAddress.getByName("fd00::1"))).isTrue();

        GatewayConfig fromOneVariable = parse(MINIMAL + """
                proxy:
                  trusted-proxies: ${TRUSTED}
                """, Map.of("TRUSTED", "10.0.0.0/8, 172.16.0.0/12"));
        assertThat(fromOneVariable.proxy().trustedProxies().trusts(java.net.InetAddress.getByName("172.20.0.1"))).isTrue();
        assertThat(parse(MINIMAL, Map.of()).proxy().trustedProxies().isEmpty()).as("nobody by default").isTrue();

        assertThat(problems(MINIMAL + """
                proxy:
                  trusted-proxies: [10.0.0.0/8, lb.internal]
                """)).anySatisfy(p -> assertThat(p).contains("proxy.trusted-proxies (line")
                        .contains("\"lb.internal\" is not an address or network"));
    }

    @Test
    void theAccessLogIsOnByDefaultAndItsKeysAreChecked() throws Exception {
        AccessLogConfig defaults = parse(MINIMAL, Map.of()).accessLog();
        assertThat(defaults.enabled()).isTrue();
        assertThat(defaults.format()).isEqualTo(AccessLogConfig.Format.JSON);
        assertThat(defaults.file()).isEmpty();
        assertThat(defaults.sample()).isEqualTo(1.0);

        AccessLogConfig set = parse(MINIMAL + "access-log:\n  format: combined\n  file: /var/log/gw/access.log\n  sample: 0.25\n", Map.of())
                .accessLog();
        assertThat(set.format()).isEqualTo(AccessLogConfig.Format.COMBINED);
        assertThat(set.file()).contains(Path.of("/var/log/gw/access.log"));
        assertThat(set.sample()).isEqualTo(0.25);

        assertThat(problems(MINIMAL + "access-log:\n  format: apache\n  sample: 2\n  max-file-size: lots\n")).containsExactly(
                "access-log.format (line 12): \"apache\" is not one of json | combined",
                "access-log.sample (line 13): \"2\" is not a share between 0 and 1 (e.g. 0.1 logs one request in ten)",
                "access-log.max-file-size (line 14): \"lots\" is not a size (write e.g. 100MB or 1GB)");
    }

    @Test
    void spanExportIsOffByDefaultAndItsKeysAreChecked() throws Exception {
        assertThat(parse(MINIMAL, Map.of()).tracing()).isEqualTo(TracingConfig.OFF);
        assertThat(TracingConfig.OFF.enabled()).isFalse();

        TracingConfig set = parse(MINIMAL + "tracing:\n  otlp-endpoint: http://127.0.0.1:4318/v1/traces\n  sample: 0.5\n"
                + "  service-name: gw-eu\n", Map.of()).tracing();
        assertThat(set.enabled()).isTrue();
        assertThat(set.otlpEndpoint()).hasValueSatisfying(u -> assertThat(u).hasToString("http://127.0.0.1:4318/v1/traces"));
        assertThat(set.sample()).isEqualTo(0.5);
        assertThat(set.serviceName()).isEqualTo("gw-eu");
        assertThat(parse(MINIMAL + "tracing:\n  otlp-endpoint: http://tempo:4318/v1/traces\n", Map.of()).tracing())
                .isEqualTo(TracingConfig.to(java.net.URI.create("http://tempo:4318/v1/traces")));

        assertThat(problems(MINIMAL + "tracing:\n  otlp-endpoint: tempo:4318\n  sample: 1.5\n  service-name: \"\"\n  exporter: otlp\n"))
                .containsExactly(
                        "tracing.otlp-endpoint (line 12): \"tempo:4318\" is not an http(s) URL (write e.g. http://127.0.0.1:4318/v1/traces)",
                        "tracing.sample (line 13): \"1.5\" is not a share between 0 and 1 (e.g. 0.1 records one new trace in ten)",
                        "tracing.service-name (line 14): must not be empty",
                        "tracing.exporter (line 15): unknown key (expected one of: otlp-endpoint, sample, service-name)");
    }

    @Test
    void theProxyProtocolIsOffByDefaultAndNeedsTrustedProxies() throws Exception {
        assertThat(parse(MINIMAL, Map.of()).proxy().proxyProtocol()).isFalse();
        assertThat(parse(MINIMAL + "proxy:\n  proxy-protocol: true\n  trusted-proxies: 10.0.0.0/8\n", Map.of()).proxy().proxyProtocol())
                .isTrue();
        assertThat(problems(MINIMAL + "proxy:\n  proxy-protocol: true\n")).containsExactly(
                "proxy.proxy-protocol (line 12): needs proxy.trusted-proxies: the load balancers allowed to send the PROXY header");
    }

    @Test
    void theTransportIsChosenByNameAndAnUnknownOneNamesTheChoices() throws Exception {
        assertThat(parse(MINIMAL, Map.of()).proxy().transport()).isEqualTo(ProxyConfig.IoTransport.AUTO);
        assertThat(parse(MINIMAL + "proxy:\n  transport: io_uring\n", Map.of()).proxy().transport())
                .isEqualTo(ProxyConfig.IoTransport.IO_URING);
        assertThat(parse(MINIMAL + "proxy:\n  transport: nio\n", Map.of()).proxy().transport()).isEqualTo(ProxyConfig.IoTransport.NIO);
        assertThat(problems(MINIMAL + "proxy:\n  transport: kqueue\n")).containsExactly(
                "proxy.transport (line 12): \"kqueue\" is not one of auto | io_uring | epoll | nio");
    }
}
