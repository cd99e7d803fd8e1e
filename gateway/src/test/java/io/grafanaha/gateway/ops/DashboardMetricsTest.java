package io.grafanaha.gateway.ops;

import io.grafanaha.gateway.demo.Rig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.testkit.git.GitServer;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * conf/dashboards/gateway.json queries only metrics the gateway exports: a gateway with sync runs, serves,
 * retries and fails over (so the lazily created counters exist too), and every metric name in every
 * query must be in its /metrics.
 */
class DashboardMetricsTest {
    static final Path DASHBOARD = Path.of("..", "conf", "dashboards", "gateway.json");

    /** Metrics the dashboard may use before this gateway exports them; add one only with a reason. */
    static final Set<String> NOT_YET_EXPORTED = Set.of();

    /** What the dashboard must show (issue 7). */
    static final Set<String> REQUIRED = Set.of("gateway_requests_total", "gateway_request_duration_seconds",
            "gateway_backend_active", "gateway_backend_up", "gateway_failovers_total", "gateway_retries_total",
            "gateway_sync_fresh", "gateway_sync_lag_commits", "gateway_sync_last_success_timestamp_seconds",
            "gateway_sync_errors_total", "gateway_writeback_commits_total", "gateway_conflicts_total");

    private static final Set<String> PROMQL_WORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan", "le");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    @TempDir
    Path dir;

    private Rig rig;
    private GitServer git;
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private Gateway gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        rig = Rig.builder(dir).seedFiles(Map.of("cpu.json", "{\"uid\":\"cpu\",\"title\":\"CPU\",\"schemaVersion\":39,\"panels\":[]}"))
                .adminToken("dashboard-test-token")
                // Slow checks on purpose: a stopped primary stays "up" long enough for a request to fail and be retried.
                // A generous timeout, so a first check on a cold JVM does not fail and leave a backend down for 30 s.
                .settings("""
                        health:
                          interval: 30s
                          timeout: 2s
                          rise: 1
                          fall: 1
                        failback:
                          mode: manual
                        """)
                .syncSettings("""
                        interval: 1h
                        webhook-secret: hook-secret
                        """)
                .start();
        git = rig.git();
        a = rig.a();
        b = rig.b();
        gateway = rig.startGateway();
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    @Test
    void everyMetricTheDashboardQueriesIsOneTheGatewayExports() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.sync().orElseThrow().isFresh("grafana-a")
                && gateway.sync().orElseThrow().isFresh("grafana-b")
                && gateway.health().status().backends().stream().allMatch(s -> s.state().equals("up")));
        // No request to grafana-a before it stops: a pooled connection to it would make the next request a
        // replay on a fresh connection rather than a plain connect-refused retry on grafana-b.
        a.stop();
        assertThat(proxyGet("/api/health").statusCode()).as("retried on grafana-b").isEqualTo(200);
        assertThat(proxyGet("/api/health").statusCode()).isEqualTo(200);
        assertThat(adminPost("/api/failover", "{\"to\":\"grafana-b\"}").statusCode()).isEqualTo(200);

        Set<String> exported = exportedMetrics(adminGet("/metrics"));
        Set<String> queried = dashboardMetrics(new ObjectMapper().readTree(DASHBOARD.toFile()));

        assertThat(queried).containsAll(REQUIRED);
        Set<String> unknown = new TreeSet<>(queried);
        unknown.removeAll(exported);
        unknown.removeAll(NOT_YET_EXPORTED);
        assertThat(unknown).as("metrics the dashboard queries but /metrics does not have").isEmpty();
        Set<String> stale = new TreeSet<>(NOT_YET_EXPORTED);
        stale.retainAll(exported);
        assertThat(stale).as("exported now: remove them from NOT_YET_EXPORTED").isEmpty();
    }

    @Test
    void theDashboardIsClassicJsonWithAPrometheusDatasourceVariable() throws Exception {
        JsonNode d = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertThat(d.path("schemaVersion").asInt()).isBetween(36, 41);
        assertThat(d.path("uid").asText()).isNotBlank();
        JsonNode variable = null;
        for (JsonNode v : d.path("templating").path("list")) {
            if (v.path("name").asText().equals("datasource")) {
                variable = v;
            }
        }
        assertThat(variable).as("a 'datasource' template variable").isNotNull();
        assertThat(variable.path("type").asText()).isEqualTo("datasource");
        assertThat(variable.path("query").asText()).isEqualTo("prometheus");
        for (JsonNode panel : allPanels(d)) {
            if (panel.has("targets")) {
                assertThat(panel.path("datasource").path("uid").asText()).as(panel.path("title").asText()).isEqualTo("${datasource}");
            }
        }
    }

    @Test
    void theQueryParserFindsMetricNamesAndNothingElse() {
        assertThat(metricsIn("histogram_quantile(0.99, sum by (le, backend) (rate(gateway_request_duration_seconds_bucket"
                + "{instance=~\"$instance\", status=~\"5..\"}[$__rate_interval]))) / on (backend) group_left gateway_typo_total"
                + " - time() + 1e3 offset 5m"))
                .containsExactlyInAnyOrder("gateway_request_duration_seconds", "gateway_typo_total");
        assertThat(exportedMetrics("# TYPE x_seconds histogram\nx_seconds_bucket{le=\"1\"} 1\ny_total{a=\"b\"} 2\n"))
                .containsExactlyInAnyOrder("x_seconds", "y_total");
    }

    /** Base names in a Prometheus text scrape: histogram series lose _bucket, _count and _sum. */
    static Set<String> exportedMetrics(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                names.add(line.split(" ")[2]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                Matcher m = IDENTIFIER.matcher(line);
                if (m.lookingAt()) {
                    names.add(baseName(m.group()));
                }
            }
        }
        return names;
    }

    static String baseName(String name) {
        return name.replaceFirst("_(bucket|count|sum)$", "");
    }

    /** Metric names in every query of every panel (rows included) and in the query variables. */
    static Set<String> dashboardMetrics(JsonNode dashboard) {
        Set<String> names = new TreeSet<>();
        for (JsonNode panel : allPanels(dashboard)) {
            for (JsonNode target : panel.path("targets")) {
                names.addAll(metricsIn(target.path("expr").asText()));
            }
        }
        for (JsonNode v : dashboard.path("templating").path("list")) {
            JsonNode q = v.path("query");
            String query = q.isObject() ? q.path("query").asText() : q.asText();
            Matcher m = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)").matcher(query);
            if (v.path("type").asText().equals("query") && m.find()) {
                names.add(baseName(m.group(1)));
            }
        }
        return names;
    }

    /** The metric names in one PromQL expression: what is left once labels, functions and keywords go. */
    static Set<String> metricsIn(String expr) {
        String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", " ")              // string literals
                .replaceAll("\\{[^}]*}", " ")                                      // label matchers
                .replaceAll("\\[[^]]*]", " ")                                      // range selectors
                .replaceAll("\\$\\{[^}]*}|\\$\\w+", " ")                           // dashboard variables
                .replaceAll("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String word = m.group();
            boolean call = s.substring(m.end()).stripLeading().startsWith("(");
            boolean number = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
            if (!call && !number && !PROMQL_WORDS.contains(word.toLowerCase())) {
                names.add(baseName(word));
            }
        }
        return names;
    }

    private static List<JsonNode> allPanels(JsonNode dashboard) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            all.add(p);
            p.path("panels").forEach(all::add);
        }
        return all;
    }

    private HttpResponse<String> proxyGet(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String adminGet(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private HttpResponse<String> adminPost(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
                .header("Authorization", "Bearer dashboard-test-token")
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
