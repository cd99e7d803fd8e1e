package io.grafanaha.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /metrics as Prometheus asks for it: counters with a known label set are there at 0 before their first
 * event (so {@code increase()} and alerts see the first failover), {@code gateway_build_info} names the
 * build, the request histogram has a front door's dozen buckets, and {@code promtool check metrics}
 * accepts the whole exposition; the alert rules (conf/prometheus/alerts.yml) use only exported metrics. The scrape is taken right after start: no request, retry, failover,
 * edit or sync error has happened yet.
 */
class MetricsExpositionTest {
    static final Path ALERTS = Path.of("..", "conf", "prometheus", "alerts.yml");

    @TempDir
    Path dir;

    private SyncedPair pair;

    @BeforeEach
    void start() throws Exception {
        pair = new SyncedPair(dir);
    }

    @AfterEach
    void stop() {
        pair.close();
    }

    @Test
    void countersWithAKnownLabelSetAreExportedAtZeroBeforeTheirFirstEvent() throws Exception {
        String scrape = scrape();

        assertThat(scrape).contains(
                // every move failover mode can make; returning because the primary recovered only to the primary
                "gateway_failovers_total{from=\"grafana-a\",reason=\"backend-down\",to=\"grafana-b\"} 0.0",
                "gateway_failovers_total{from=\"grafana-a\",reason=\"drained\",to=\"grafana-b\"} 0.0",
                "gateway_failovers_total{from=\"grafana-a\",reason=\"admin\",to=\"grafana-b\"} 0.0",
                "gateway_failovers_total{from=\"grafana-a\",reason=\"forced-target-down\",to=\"grafana-b\"} 0.0",
                "gateway_failovers_total{from=\"grafana-b\",reason=\"primary-recovered\",to=\"grafana-a\"} 0.0",
                "gateway_failovers_total{from=\"grafana-b\",reason=\"backend-down\",to=\"grafana-a\"} 0.0",
                "gateway_retries_total{backend=\"grafana-a\",cause=\"connect-refused\"} 0.0",
                "gateway_retries_total{backend=\"grafana-b\",cause=\"status-503\"} 0.0",
                "gateway_retries_total{backend=\"grafana-b\",cause=\"backend-down\"} 0.0",
                "gateway_retries_skipped_total{reason=\"budget-exhausted\"} 0.0",
                "gateway_retries_skipped_total{reason=\"no-other-backend\"} 0.0",
                "gateway_sync_errors_total{backend=\"grafana-a\",kind=\"apply\"} 0.0",
                "gateway_sync_errors_total{backend=\"grafana-b\",kind=\"read\"} 0.0",
                "gateway_sync_errors_total{backend=\"grafana-b\",kind=\"delete-limit\"} 0.0",
                "gateway_sync_errors_total{backend=\"grafana-a\",kind=\"held-deletes\"} 0.0",
                "gateway_edits_observed_total{kind=\"dashboard-save\"} 0.0",
                "gateway_edits_observed_total{kind=\"folder-delete\"} 0.0",
                "gateway_save_translations_total{outcome=\"translated\"} 0.0",
                "gateway_save_translations_total{outcome=\"refused-ambiguous\"} 0.0",
                "gateway_writeback_commits_total 0.0",
                "gateway_writeback_journal_failures_total 0.0",
                "gateway_conflicts_total 0.0");
        assertThat(scrape).as("a failback to a replica cannot happen")
                .doesNotContain("gateway_failovers_total{from=\"grafana-a\",reason=\"primary-recovered\"");
    }

    @Test
    void buildInfoNamesTheVersionAndTheRevisionBuilt() throws Exception {
        String line = lines(scrape()).filter(l -> l.startsWith("gateway_build_info{")).findFirst().orElseThrow();

        assertThat(line).matches("gateway_build_info\\{revision=\"([0-9a-f]{12}|unknown)\",version=\"[^\"$]+\"} 1(\\.0)?");
    }

    @Test
    void theRequestHistogramHasAFrontDoorsDozenBucketsFromOneMillisecondToThirtySeconds() throws Exception {
        List<String> buckets = lines(scrape())
                .filter(l -> l.startsWith("gateway_request_duration_seconds_bucket{backend=\"grafana-a\""))
                .map(l -> l.replaceFirst(".*le=\"([^\"]+)\".*", "$1"))
                .toList();

        assertThat(buckets).hasSizeBetween(10, 15);
        assertThat(buckets.get(0)).isEqualTo("0.001");
        assertThat(buckets).contains("30.0", "+Inf");
    }

    @Test
    void promtoolAcceptsTheExposition() throws Exception {
        Optional<Path> promtool = onPath("promtool");
        assumeTrue(promtool.isPresent(), "promtool is not installed (Debian package 'prometheus'; .ci/run installs it):"
                + " skipping `promtool check metrics`");
        Path scrape = Files.writeString(dir.resolve("metrics.txt"), scrape());

        Process check = new ProcessBuilder(promtool.get().toString(), "check", "metrics")
                .redirectInput(scrape.toFile()).redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(check.exitValue()).as("promtool check metrics said:%n%s", output).isZero();
    }

    @Test
    void everyMetricTheAlertRulesUseIsOneTheGatewayExports() throws Exception {
        Set<String> exported = DashboardMetricsTest.exportedMetrics(scrape());
        Set<String> used = new TreeSet<>();
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(ALERTS.toFile());
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                used.addAll(DashboardMetricsTest.metricsIn(rule.path("expr").asText()));
            }
        }

        assertThat(used).contains("gateway_backend_routable", "gateway_failovers_total", "gateway_sync_fresh",
                "gateway_sync_errors_total", "gateway_conflicts_total", "gateway_retries_skipped_total");
        used.remove("up"); // Prometheus's own, per scrape target
        used.removeAll(exported);
        assertThat(used).as("metrics alerts.yml uses but /metrics does not have").isEmpty();
    }

    private String scrape() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pair.gateway.adminPort() + "/metrics"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static Stream<String> lines(String scrape) {
        return scrape.lines();
    }

    private static Optional<Path> onPath(String command) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(p -> Path.of(p, command)).filter(Files::isExecutable).findFirst();
    }
}
