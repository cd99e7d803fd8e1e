package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.sync.SyncService;
import io.grafanaha.testkit.git.GitWorkspace;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Alerting as code through the gateway's sync: files under alerting/ reach every Grafana, by the same uids. */
class GatewayAlertingSyncTest {
    private static final String CPU = """
            {"uid": "cpu", "title": "CPU", "tags": [], "schemaVersion": 39, "panels": []}
            """;
    private static final String RULES = """
            apiVersion: 1
            groups:
              - orgId: 1
                name: cpu-alerts
                folder: team-a
                interval: 1m
                rules:
            %s
            """;
    private static final String RULE = """
                  - uid: %s
                    title: %s
                    condition: A
                    data:
                      - refId: A
                        relativeTimeRange: {from: 600, to: 0}
                        datasourceUid: prom
                        model: {expr: "up == 0", refId: A}
                    noDataState: NoData
                    execErrState: Error
                    for: 5m
                    labels: {team: a}
            """;
    private static final String NOTIFICATIONS = """
            apiVersion: 1
            contactPoints:
              - orgId: 1
                name: ops-slack
                receivers:
                  - uid: ops-slack
                    type: slack
                    settings:
                      url: ${SLACK_URL}
                      recipient: "#ops"
            policies:
              - orgId: 1
                receiver: ops-slack
                group_by: [grafana_folder, alertname]
                mute_time_intervals: []
            templates:
              - orgId: 1
                name: short
                template: '{{ define "short" }}{{ .CommonLabels.alertname }}{{ end }}'
            muteTimes:
              - orgId: 1
                name: weekends
                time_intervals:
                  - weekdays: [saturday, sunday]
            """;

    @TempDir
    Path dir;

    private Rig rig;
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private SyncService sync;

    @BeforeEach
    void start() {
        rig = Rig.builder(dir)
                .seedFiles(Map.of("team-a/cpu.json", CPU,
                        "alerting/rules.yaml", RULES.formatted(RULE.formatted("r1", "CPU down") + RULE.formatted("r2",
                                "CPU slow") + RULE.formatted("r3", "CPU hot") + RULE.formatted("r4", "CPU gone")),
                        "alerting/notifications.yaml", NOTIFICATIONS))
                .environment(Map.of("SLACK_URL", "https://hooks.slack.example/T0/B0/secret"))
                // Write-back polling reads the rules too (alerting write-back): an hour away, so the counts of the
                // sync's own reads below are the sync's.
                .syncSettings("interval: 1h\npoll-interval: 1h\n")
                .start();
        a = rig.a();
        b = rig.b();
        sync = rig.startGateway().sync().orElseThrow();
        // A backend's first "up" asks for a full pass of it: let those come first, so a test's own passes are the
        // last ones (what they read and the drift they report are the test's).
        await().atMost(Duration.ofSeconds(30)).until(() -> rig.isUp("grafana-a") && rig.isUp("grafana-b"));
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    private void pass() throws Exception {
        sync.requestSync("test").get();
    }

    private String folderUid() {
        return a.dashboard("cpu").orElseThrow().folderUid();
    }

    @Test
    void rulesContactPointsPoliciesTemplatesAndMuteTimingsReachEveryGrafana() throws Exception {
        pass();
        for (GrafanaEmulator g : new GrafanaEmulator[] {a, b}) {
            Map<String, ObjectNode> rules = g.resources().alertRules();
            assertThat(rules).containsKeys("r1", "r2", "r3", "r4");
            assertThat(rules.get("r1").path("folderUID").asText()).as("the sync's own folder uid")
                    .isEqualTo(g.dashboard("cpu").orElseThrow().folderUid());
            assertThat(rules.get("r1").path("provenance").asText()).as("write-back on: left editable in the UI")
                    .isEmpty();
            assertThat(g.resources().contactPoints().get("ops-slack").path("settings").path("url").asText())
                    .as("the secret comes from the environment").isEqualTo("https://hooks.slack.example/T0/B0/secret");
        }
        assertThat(b.dashboard("cpu").orElseThrow().folderUid()).isEqualTo(folderUid());
        assertThat(sync.status().backends().get("grafana-b").fresh()).isTrue();
        assertThat(sync.planResources().get("grafana-a")).as("a second look finds nothing to do")
                .contains("alerting: no changes");
    }

    @Test
    void anEditedRuleIsUpdatedAndARemovedGroupDeletedOnEveryGrafana() throws Exception {
        pass();
        try (GitWorkspace ws = rig.repo().cloneToTemp()) {
            ws.writeFile("shared/alerting/rules.yaml", RULES.formatted(RULE.formatted("r1", "CPU is down")
                    + RULE.formatted("r2", "CPU slow") + RULE.formatted("r3", "CPU hot")
                    + RULE.formatted("r4", "CPU gone"))).commitAndPush("Rename a rule");
        }
        assertThat(sync.planResources().get("grafana-a")).contains("update rule group cpu-alerts");
        pass();
        assertThat(a.resources().alertRules().get("r1").path("title").asText()).isEqualTo("CPU is down");
        assertThat(b.resources().alertRules().get("r1").path("title").asText()).isEqualTo("CPU is down");

        try (GitWorkspace ws = rig.repo().cloneToTemp()) {
            ws.writeFile("shared/alerting/rules.yaml", RULES.formatted(RULE.formatted("r1", "CPU is down")
                    + RULE.formatted("r2", "CPU slow") + RULE.formatted("r3", "CPU hot"))).commitAndPush("Drop r4");
        }
        pass();
        assertThat(a.resources().alertRules()).containsOnlyKeys("r1", "r2", "r3");
        assertThat(b.resources().alertRules()).containsOnlyKeys("r1", "r2", "r3");
    }

    @Test
    void aBadFileIsSkippedAndHoldsRuleDeletesWhileTheRestSyncs() throws Exception {
        pass();
        try (GitWorkspace ws = rig.repo().cloneToTemp()) {
            ws.deleteFile("shared/alerting/rules.yaml")
                    .writeFile("shared/alerting/broken.yaml", "apiVersion: 1\ngroups: [ {name: x\n")
                    .writeFile("shared/alerting/more.yaml", RULES.replace("cpu-alerts", "mem-alerts")
                            .formatted(RULE.formatted("m1", "Memory low")))
                    .commitAndPush("A broken file beside a good one");
        }
        assertThat(sync.planResources().get("grafana-a")).contains("broken.yaml").contains("kept");
        pass();
        assertThat(a.resources().alertRules()).as("the good file applied, nothing deleted for the broken one")
                .containsKeys("m1", "r1", "r2", "r3", "r4");
        assertThat(b.resources().alertRules()).containsKeys("m1", "r1");
        assertThat(sync.status().backends().get("grafana-a").fresh()).isTrue();
    }

    @Test
    void aContactPointWhoseSecretIsNotSetIsSkippedNamingFileAndVariable() throws Exception {
        try (GitWorkspace ws = rig.repo().cloneToTemp()) {
            ws.writeFile("shared/alerting/pager.yaml", """
                    apiVersion: 1
                    contactPoints:
                      - orgId: 1
                        name: pager
                        receivers:
                          - uid: pager
                            type: pagerduty
                            settings:
                              integrationKey: ${PAGERDUTY_KEY}
                    """).commitAndPush("A contact point whose secret is not set here");
        }
        pass();
        assertThat(a.resources().contactPoints()).containsKey("ops-slack").doesNotContainKey("pager");
        assertThat(b.resources().alertRules()).containsKey("r1");
        assertThat(sync.planResources().get("grafana-a"))
                .contains("shared/alerting/pager.yaml").contains("PAGERDUTY_KEY");
    }

    @Test
    void aPushThatLeavesAlertingAloneAsksNoGrafanaAboutAlerting() throws Exception {
        pass();
        long before = a.requestCount("/api/v1/provisioning/alert-rules");
        assertThat(before).as("a full pass reads the rules").isPositive();
        try (GitWorkspace ws = rig.repo().cloneToTemp()) {
            ws.writeFile("shared/team-a/mem.json", CPU.replace("cpu", "mem").replace("CPU", "Memory"))
                    .commitAndPush("A dashboard only");
        }
        sync.requestSyncOfChange("push").get();
        assertThat(a.dashboard("mem")).isPresent();
        assertThat(a.requestCount("/api/v1/provisioning/alert-rules")).isEqualTo(before);
        assertThat(sync.status().backends().get("grafana-a").fresh()).isTrue();
    }

    @Test
    void removingMostRulesAtOnceIsRefusedByTheGuardCountedApartFromDashboards() throws Exception {
        pass();
        try (GitWorkspace ws = rig.repo().cloneToTemp()) {
            ws.writeFile("shared/alerting/rules.yaml", RULES.formatted(RULE.formatted("r1", "CPU down")))
                    .commitAndPush("Drop three of four rules");
        }
        pass();
        assertThat(a.resources().alertRules()).as("10% of 4 rules allows one delete, not three")
                .containsKeys("r1", "r2", "r3", "r4");
        assertThat(sync.status().backends().get("grafana-a").fresh()).isFalse();
        assertThat(sync.status().backends().get("grafana-a").lastError().orElse(""))
                .contains("3 of 4 managed alert rules");
        assertThat(a.dashboard("cpu")).as("dashboards are not held by the rules' guard").isPresent();
    }
}
