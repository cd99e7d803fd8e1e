package io.grafanaha.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.health.BackendStatus;
import io.grafanaha.health.Role;
import io.grafanaha.health.RoutingMode;
import io.grafanaha.health.StatusSnapshot;
import io.grafanaha.health.check.HealthReport;
import io.grafanaha.health.check.HealthState;
import io.grafanaha.health.routing.FailoverCause;
import io.grafanaha.health.routing.RoutingEvent;
import io.grafanaha.sync.SyncStatus;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusJsonTest {
    private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");
    private final ObjectMapper mapper = new ObjectMapper();
    private final StatusJson json = new StatusJson(mapper);

    private static StatusSnapshot health() {
        BackendStatus a = new BackendStatus("grafana-a", URI.create("http://admin:pa55word@127.0.0.1:3000"), Role.PRIMARY,
                "down", HealthState.DOWN, false, false, new HealthReport(HealthState.DOWN, T, 150L, 3, 1, "connection refused"));
        BackendStatus b = new BackendStatus("grafana-b", URI.create("http://127.0.0.1:3001"), Role.REPLICA,
                "up", HealthState.UP, true, true, new HealthReport(HealthState.UP, T, 3L, 0, 0, null,
                new io.grafanaha.health.check.GrafanaBuild("12.1.0", "1a2b3c4d5e6f")));
        BackendStatus c = new BackendStatus("grafana-c", URI.create("http://127.0.0.1:3002"), Role.REPLICA,
                "down", HealthState.UNKNOWN, false, false, new HealthReport(HealthState.UNKNOWN, null, null, 0, 0, null));
        List<RoutingEvent> events = List.of(
                new RoutingEvent.BackendDown(T, "grafana-a", "3 checks failed"),
                new RoutingEvent.Failover(T.plusSeconds(1), "grafana-a", "grafana-b", FailoverCause.BACKEND_DOWN, "grafana-a down"));
        return new StatusSnapshot(RoutingMode.FAILOVER, List.of("grafana-b"), false, null, null, List.of(a, b, c),
                events);
    }

    @Test
    void withoutSyncTheSyncAndGitFieldsAreNull() {
        JsonNode s = json.render(health(), Optional.empty());

        assertThat(s.get("mode").asText()).isEqualTo("failover");
        assertThat(s.get("active").toString()).isEqualTo("[\"grafana-b\"]");
        assertThat(s.get("git").isNull()).isTrue();
        assertThat(s.at("/backends/0/sync").isNull()).isTrue();
        assertThat(s.at("/backends/0").fieldNames()).toIterable()
                .contains("name", "url", "role", "state", "routable", "health", "sync");
    }

    @Test
    void backendsCarryTheContractFieldsAndHideUserInfo() {
        JsonNode s = json.render(health(), Optional.empty());

        JsonNode a = s.at("/backends/0");
        assertThat(a.get("url").asText()).isEqualTo("http://127.0.0.1:3000");
        assertThat(s.toString()).doesNotContain("pa55word");
        assertThat(a.get("role").asText()).isEqualTo("primary");
        assertThat(a.get("state").asText()).isEqualTo("down");
        assertThat(a.at("/health/lastCheck").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(a.at("/health/latencyMs").asLong()).isEqualTo(150);
        assertThat(a.at("/health/consecutiveFailures").asInt()).isEqualTo(3);
        assertThat(a.at("/health/lastError").asText()).isEqualTo("connection refused");
        JsonNode c = s.at("/backends/2");
        assertThat(c.get("state").asText()).isEqualTo("down");
        assertThat(c.get("checkState").asText()).isEqualTo("unknown");
        assertThat(c.at("/health/lastCheck").isNull()).isTrue();
        assertThat(c.at("/health/latencyMs").isNull()).isTrue();
    }

    @Test
    void eventsAreOldestFirstWithFromToOrBackend() {
        JsonNode events = json.render(health(), Optional.empty()).get("events");

        assertThat(events).hasSize(2);
        assertThat(events.get(0).toString())
                .isEqualTo("{\"at\":\"2026-01-02T03:04:05Z\",\"type\":\"down\",\"backend\":\"grafana-a\",\"reason\":\"3 checks failed\"}");
        assertThat(events.get(1).toString()).isEqualTo("{\"at\":\"2026-01-02T03:04:06Z\",\"type\":\"failover\","
                + "\"from\":\"grafana-a\",\"to\":\"grafana-b\",\"cause\":\"backend-down\",\"reason\":\"grafana-a down\"}");
    }

    @Test
    void withSyncEachBackendHasItsSyncStateAndGitTheMirrorState() {
        JsonNode s = json.render(health(), Optional.of(FakeSync.sample()));

        JsonNode a = s.at("/backends/0/sync");
        assertThat(a.get("appliedCommit").asText()).isEqualTo(FakeSync.HEAD);
        assertThat(a.get("fresh").asBoolean()).isTrue();
        assertThat(a.get("lagCommits").asInt()).isZero();
        assertThat(a.get("lastSync").asText()).isEqualTo("2026-01-02T03:04:06Z");
        assertThat(a.get("drift").asInt()).isZero();
        assertThat(a.get("lastError").isNull()).isTrue();
        assertThat(a.get("dashboards").asInt()).isEqualTo(12);
        JsonNode b = s.at("/backends/1/sync");
        assertThat(b.get("appliedCommit").asText()).isEqualTo(FakeSync.OLD);
        assertThat(b.get("fresh").asBoolean()).isFalse();
        assertThat(b.get("lagCommits").asInt()).isEqualTo(2);
        assertThat(b.get("lastSync").isNull()).isTrue();
        assertThat(b.get("drift").asInt()).isEqualTo(1);
        assertThat(b.get("lastError").asText()).contains("grafana-b");
        assertThat(b.get("errors").toString()).isEqualTo("{\"apply\":3,\"read\":1}");
        // a backend the sync does not know (yet) has no sync state
        assertThat(s.at("/backends/2/sync").isNull()).isTrue();

        JsonNode git = s.get("git");
        assertThat(git.get("head").asText()).isEqualTo(FakeSync.HEAD);
        assertThat(git.get("lastFetch").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(git.get("lastError").isNull()).isTrue();
        assertThat(git.get("fetchFailures").asLong()).isEqualTo(4);
        assertThat(git.at("/fileErrors/0/path").asText()).isEqualTo("shared/bad.json");
        assertThat(git.at("/fileErrors/0/message").asText()).contains("shared/bad.json");
    }

    @Test
    void eachBackendShowsTheGrafanaBuildItReported() {
        JsonNode s = json.render(health(), Optional.empty());

        assertThat(s.at("/backends/1/build/version").asText()).isEqualTo("12.1.0");
        assertThat(s.at("/backends/1/build/commit").asText()).isEqualTo("1a2b3c4d5e6f");
        assertThat(s.at("/backends/2/build").isNull()).as("not checked yet").isTrue();
    }

    @Test
    void gitSaysWhatTheSyncKeepsWhenTheSyncTellsIt() {
        SyncStatus sample = FakeSync.sample();
        SyncStatus telling = new SyncStatus(sample.git(), sample.backends(), sample.fileErrors(), sample.passes(),
                "Git keeps folder \"ops\" and its sub-folders");

        assertThat(json.render(health(), Optional.of(telling)).at("/git/kept").asText()).contains("folder \"ops\"");
        assertThat(json.render(health(), Optional.of(sample)).get("git").has("kept")).isFalse();
    }
}
