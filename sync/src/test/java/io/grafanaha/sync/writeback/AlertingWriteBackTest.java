package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.plan.DeleteLimit;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Alert rule groups changed in one Grafana reach Git and, through the sync, the other Grafana. */
class AlertingWriteBackTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String RULES = """
            # CPU alerts of the team.
            apiVersion: 1
            contactPoints:
              - orgId: 1
                name: ops
                receivers:
                  - uid: ops
                    type: webhook
                    settings:
                      url: https://hooks.example/ops
            groups:
              - orgId: 1
                name: cpu-alerts
                folder: team
                interval: 1m
                rules:
                  - uid: high-cpu
                    title: High CPU
                    condition: A
                    data:
                      - refId: A
                        relativeTimeRange: {from: 600, to: 0}
                        datasourceUid: prom
                        model: {expr: "rate(cpu[5m]) > 0.9", refId: A}
                    noDataState: NoData
                    execErrState: Error
                    for: 5m
                    labels: {severity: warning}
              - orgId: 1
                name: disk-alerts
                folder: team
                interval: 1m
                rules:
                  - uid: disk-full
                    title: Disk full
                    condition: A
                    data:
                      - refId: A
                        relativeTimeRange: {from: 600, to: 0}
                        datasourceUid: prom
                        model: {expr: "disk_free < 0.1", refId: A}
                    for: 10m
            """;
    private static final String FILE = "shared/alerting/rules.yaml";

    @TempDir Path tmp;
    WriteBackFixture fx;
    SyncService sync;
    WriteBack writeBack;
    String team;

    @BeforeEach
    void setUp() throws Exception {
        fx = new WriteBackFixture(tmp);
        fx.workspace.writeFile(FILE, RULES).commitAndPush("alert rules");
        sync = fx.sync(fx.settings("data"));
        pass(sync);
        team = fx.a.dashboard("net").orElseThrow().folderUid();
        assertThat(fx.b.resources().alertRules()).containsKeys("high-cpu", "disk-full");
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private void startWriteBack(Duration poll) throws Exception {
        writeBack = fx.writeBack(sync).setPollInterval(poll);
        writeBack.start();
    }

    @Test
    void aRuleEditedInOneGrafanaReachesGitAndTheOtherAndIsNotSetBack() throws Exception {
        startWriteBack(Duration.ofMillis(200));
        int drift = sync.status().backends().get("grafana-a").drift();
        ObjectNode group = group(fx.a, "cpu-alerts");
        ((ObjectNode) group.path("rules").get(0)).put("title", "CPU on fire");
        call(fx.a, "PUT", groupPath("cpu-alerts"), group);

        await().atMost(WAIT).until(() -> fx.gitFile(FILE).orElse("").contains("CPU on fire"));
        await().atMost(WAIT).until(() -> title(fx.b, "high-cpu").equals("CPU on fire"));
        String file = fx.gitFile(FILE).orElseThrow();
        assertThat(file).as("the rest of the file is kept").contains("# CPU alerts of the team.")
                .contains("disk-alerts").contains("https://hooks.example/ops").contains("folder: team");
        assertThat(fx.repo.log().get(0).shortMessage()).contains("cpu-alerts").contains("grafana-a");
        assertThat(writeBack.status().commits()).as("counted as a write-back commit").isEqualTo(1);

        pass(sync); // a full pass
        assertThat(title(fx.a, "high-cpu")).isEqualTo("CPU on fire");
        assertThat(sync.status().backends().get("grafana-a").drift()).isEqualTo(drift);
        assertThat(sync.planResources().get("grafana-a")).as("the file read back is what the Grafana holds")
                .contains("alerting: no changes");
    }

    @Test
    void aGroupMadeInGrafanaGoesToANewFileAndOneDeletedThereLeavesGit() throws Exception {
        startWriteBack(Duration.ofMillis(200));
        ObjectNode group = group(fx.a, "cpu-alerts");
        group.put("title", "mem-alerts");
        ((ObjectNode) group.path("rules").get(0)).put("uid", "low-mem").put("title", "Low memory");
        call(fx.a, "PUT", groupPath("mem-alerts"), group);
        call(fx.a, "DELETE", groupPath("disk-alerts"), null);

        await().atMost(WAIT).until(() -> fx.gitFile("shared/alerting/team-mem-alerts.yaml").isPresent()
                && !fx.gitFile(FILE).orElse("").contains("disk-alerts"));
        await().atMost(WAIT).until(() -> fx.b.resources().alertRules().containsKey("low-mem")
                && !fx.b.resources().alertRules().containsKey("disk-full"));
        assertThat(fx.gitFile("shared/alerting/team-mem-alerts.yaml").orElseThrow()).contains("folderUid: " + team)
                .contains("Low memory");
        pass(sync);
        assertThat(fx.a.resources().alertRules()).containsKeys("high-cpu", "low-mem").doesNotContainKey("disk-full");
    }

    @Test
    void anEditOfAGroupGitChangedMeanwhileGoesToAConflictBranchAndGitsVersionStays() throws Exception {
        startWriteBack(Duration.ofHours(1)); // rounds only when asked, as after a write through the gateway
        fx.workspace.writeFile(FILE, RULES.replace("High CPU", "CPU high in Git")).commitAndPush("Git's change");
        ObjectNode group = group(fx.a, "cpu-alerts");
        ((ObjectNode) group.path("rules").get(0)).put("title", "CPU high in Grafana");
        call(fx.a, "PUT", groupPath("cpu-alerts"), group);

        writeBack.alertingWritten("grafana-a");

        await().atMost(WAIT).until(() -> fx.branches().stream().anyMatch(b -> b.contains("conflicts/alerting-")));
        String branch = fx.branches().stream().filter(b -> b.contains("conflicts/alerting-")).findFirst()
                .orElseThrow().replace("refs/heads/", "");
        assertThat(fx.repo.readFile(branch, FILE).orElseThrow()).contains("CPU high in Grafana");
        assertThat(fx.gitFile(FILE).orElseThrow()).contains("CPU high in Git");
        assertThat(writeBack.status().conflicts()).isEqualTo(1);
        await().atMost(WAIT).until(() -> {
            pass(sync);
            return title(fx.a, "high-cpu").equals("CPU high in Git");
        });
    }

    @Test
    void aTemplateEditedInOneGrafanaReachesItsEntryInGitAndTheOtherGrafana() throws Exception {
        String templates = """
                apiVersion: 1
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
        fx.workspace.writeFile("shared/alerting/templates.yaml", templates).commitAndPush("a template");
        pass(sync);
        startWriteBack(Duration.ofMillis(200));
        ObjectNode edited = JSON.createObjectNode().put("template", "{{ define \"short\" }}short!{{ end }}");
        call(fx.a, "PUT", "/api/v1/provisioning/templates/short", edited);

        await().atMost(WAIT).until(() -> fx.gitFile("shared/alerting/templates.yaml").orElse("").contains("short!"));
        await().atMost(WAIT).until(() -> call(fx.b, "GET", "/api/v1/provisioning/templates/short", null)
                .path("template").asText().contains("short!"));
        assertThat(fx.gitFile("shared/alerting/templates.yaml").orElseThrow()).contains("weekends")
                .contains("orgId: 1");
        pass(sync);
        assertThat(call(fx.a, "GET", "/api/v1/provisioning/templates/short", null).path("template").asText())
                .contains("short!");
        assertThat(sync.planResources().get("grafana-a")).contains("alerting: no changes");
    }

    @Test
    void anEditMadeWhileTheGatewayWasDownIsWrittenBackAfterItStartsAgain() throws Exception {
        sync.close();
        ObjectNode group = group(fx.a, "cpu-alerts");
        ((ObjectNode) group.path("rules").get(0)).put("title", "Edited while down");
        call(fx.a, "PUT", groupPath("cpu-alerts"), group);

        sync = fx.sync(fx.settings("data"));
        startWriteBack(Duration.ofMillis(200));
        pass(sync);

        await().atMost(WAIT).until(() -> fx.gitFile(FILE).orElse("").contains("Edited while down"));
        await().atMost(WAIT).until(() -> title(fx.b, "high-cpu").equals("Edited while down"));
        assertThat(title(fx.a, "high-cpu")).isEqualTo("Edited while down");
    }

    @Test
    void groupsVanishingAtOnceBeyondTheDeleteLimitAreNotDeletedFromGitButRestored() throws Exception {
        fx.close();
        fx = new WriteBackFixture(tmp.resolve("guarded"));
        fx.workspace.writeFile(FILE, RULES).commitAndPush("alert rules");
        sync = fx.sync(fx.settings("data").withDeleteLimit(DeleteLimit.count(1)));
        pass(sync);
        startWriteBack(Duration.ofMillis(200));
        String head = fx.repo.head().orElseThrow();
        call(fx.a, "DELETE", groupPath("cpu-alerts"), null);
        call(fx.a, "DELETE", groupPath("disk-alerts"), null);

        long rounds = writeBack.status().polls();
        await().atMost(WAIT).until(() -> writeBack.status().polls() >= rounds + 3);
        assertThat(fx.repo.head()).contains(head);
        pass(sync);
        assertThat(fx.a.resources().alertRules()).containsKeys("high-cpu", "disk-full");
    }

    @Test
    void aGroupChangedInGrafanaWhileNoWriteBackWatchesIsSetBackByThePass() throws Exception {
        ObjectNode group = group(fx.a, "cpu-alerts");
        ((ObjectNode) group.path("rules").get(0)).put("title", "Nobody writes this back");
        call(fx.a, "PUT", groupPath("cpu-alerts"), group);

        pass(sync);

        assertThat(title(fx.a, "high-cpu")).isEqualTo("High CPU");
    }

    private String groupPath(String group) {
        return "/api/v1/provisioning/folder/" + team + "/rule-groups/" + group;
    }

    private ObjectNode group(GrafanaEmulator g, String name) throws Exception {
        return (ObjectNode) call(g, "GET", groupPath(name), null);
    }

    private static String title(GrafanaEmulator g, String uid) {
        return g.resources().alertRules().get(uid).path("title").asText();
    }

    /** A call as Grafana's UI makes it: no provenance, so the rules stay editable. */
    static JsonNode call(GrafanaEmulator g, String method, String path, JsonNode body) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(g.url() + path))
                .header("Authorization", "Bearer " + g.token()).header("Content-Type", "application/json")
                .header("X-Disable-Provenance", "true")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()));
        HttpResponse<String> res = HttpClient.newHttpClient().send(req.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(method + " " + path + ": " + res.body()).isBetween(200, 299);
        return res.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(res.body());
    }
}
