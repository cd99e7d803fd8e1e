package io.grafanaha.sync.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.desired.DesiredFolder;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.ResourceFiles;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

/** A group written back into an alerting file reads back as the group the backend holds; the rest of the file stays. */
class RuleGroupFileTest {
    private static final DesiredState TREE = new DesiredState(ObjectId.zeroId(), "root-uid",
            List.of(new DesiredFolder("root-uid", "grafana-manifests", Optional.empty(), "", false),
                    new DesiredFolder("team-a-uid", "Team A", Optional.of("root-uid"), "team-a", true)),
            List.of(), List.of());
    private static final String FILE = """
            # Owned by team A.
            apiVersion: 1
            groups:
              - name: g
                folder: team-a
                interval: 2m
                rules:
                  - uid: r1
                    title: Down
                    condition: A
                    data: [{refId: A, datasourceUid: prom, model: {expr: up}}]
                    for: 1m
              - name: other
                folderUid: team-a-uid
                interval: 1m
                rules:
                  - uid: r2
                    title: Other
                    condition: A
                    data: [{refId: A, datasourceUid: prom, model: {expr: "true"}}]
            templates:
              - name: short
                template: '{{ define "short" }}x{{ end }}'
            """;
    /** Group g as the export endpoint gives it after a user renamed r1 and set a label. */
    private static final String EXPORT = """
            {"orgId": 1, "name": "g", "folder": "Team A", "interval": "3m", "rules": [{"uid": "r1", "title": "Up",
             "condition": "A", "data": [{"refId": "A", "relativeTimeRange": {"from": 600, "to": 0},
             "datasourceUid": "prom", "model": {"expr": "up", "intervalMs": 1000, "maxDataPoints": 43200}}],
             "noDataState": "NoData", "execErrState": "Error", "for": "5m", "labels": {"team": "a", "n": "1"},
             "isPaused": false}]}
            """;

    private static DesiredAlerting read(String path, byte[] bytes) {
        return new ReadAlerting(TREE, Map.of()).read(List.of(new ResourceFiles.File(path, bytes, null)));
    }

    private static ObjectNode export() throws Exception {
        return (ObjectNode) new ObjectMapper().readTree(EXPORT);
    }

    @Test
    void aGroupWrittenIntoAYamlFileReadsBackAsTheBackendHoldsItAndTheRestStays() throws Exception {
        byte[] out = new RuleGroupFile(TREE).withGroup("shared/alerting/a.yaml",
                Optional.of(FILE.getBytes(StandardCharsets.UTF_8)), "team-a-uid", export());

        DesiredAlerting back = read("shared/alerting/a.yaml", out);
        assertThat(back.errors()).isEmpty();
        DesiredAlerting.Group g = back.groups().stream().filter(x -> x.name().equals("g")).findFirst().orElseThrow();
        assertThat(AlertRuleShape.sameGroup(RuleGroupEdits.body("team-a-uid", "g", export()), g.body())).isTrue();
        assertThat(g.body().path("interval").asLong()).isEqualTo(180);
        assertThat(back.groups()).extracting(DesiredAlerting.Group::name).containsExactly("g", "other");
        assertThat(back.templates()).hasSize(1);
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(text).startsWith("# Owned by team A.\n").contains("folder: team-a").doesNotContain("Team A")
                .as("what YAML would read as a boolean or number stays a string").contains("\"n\": \"1\"");
    }

    @Test
    void aNewGroupGoesIntoANewJsonOrYamlFileNamingItsFolderByUid() throws Exception {
        for (String path : List.of("shared/alerting/new.json", "shared/alerting/new.yaml")) {
            byte[] out = new RuleGroupFile(TREE).withGroup(path, Optional.empty(), "team-a-uid", export());

            DesiredAlerting back = read(path, out);
            assertThat(back.errors()).isEmpty();
            assertThat(back.groups()).singleElement().satisfies(g -> {
                assertThat(g.folderUid()).isEqualTo("team-a-uid");
                assertThat(AlertRuleShape.sameGroup(RuleGroupEdits.body("team-a-uid", "g", export()), g.body()))
                        .isTrue();
            });
        }
        assertThat(RuleGroupFile.newPath("shared/", "team-a", "CPU alerts!"))
                .isEqualTo("shared/alerting/team-a-cpu-alerts.yaml");
    }

    @Test
    void removingAGroupKeepsTheOthersAndRemovingTheLastLeavesNothing() throws Exception {
        RuleGroupFile files = new RuleGroupFile(TREE);
        byte[] rest = files.withoutGroup("a.yaml", FILE.getBytes(StandardCharsets.UTF_8), "team-a-uid", "g")
                .orElseThrow();
        assertThat(read("shared/alerting/a.yaml", rest).groups()).extracting(DesiredAlerting.Group::name)
                .containsExactly("other");

        byte[] only = files.withGroup("b.json", Optional.empty(), "team-a-uid", export());
        assertThat(files.withoutGroup("b.json", only, "team-a-uid", "g")).isEmpty();
    }
    private static final String NOTIFICATIONS = """
            apiVersion: 1
            contactPoints:
              - orgId: 1
                name: ops
                receivers:
                  - uid: ops-slack
                    type: slack
                    settings: {url: "${SLACK_URL}", recipient: "#ops"}
                  - uid: ops-mail
                    type: email
                    settings: {addresses: ops@example.com}
              - orgId: 1
                name: oncall
                receivers:
                  - uid: pager
                    type: pagerduty
                    settings: {integrationKey: "${PD_KEY}"}
            policies:
              - orgId: 1
                receiver: ops
            """;

    @Test
    void anEditedReceiverKeepsItsPlaceAndTheFilesVariablesForRedactedSettings() throws Exception {
        ObjectNode edited = (ObjectNode) new ObjectMapper().readTree("""
                {"name": "ops", "uid": "ops-slack", "type": "slack", "disableResolveMessage": true,
                 "settings": {"url": "[REDACTED]", "recipient": "#alerts"}}""");
        byte[] out = new RuleGroupFile(TREE).withItem("a/n.yaml", NOTIFICATIONS.getBytes(StandardCharsets.UTF_8),
                "contactPoints", "ops-slack", edited);

        DesiredAlerting back = ReadAlerting.withoutSecrets(TREE).read(List.of(new ResourceFiles.File("a/n.yaml", out,
                null)));
        assertThat(back.contactPoints()).extracting(DesiredAlerting.Item::id)
                .containsExactly("ops-slack", "ops-mail", "pager");
        ObjectNode known = back.contactPoints().get(0).known();
        assertThat(known.path("settings").path("recipient").asText()).isEqualTo("#alerts");
        assertThat(known.path("disableResolveMessage").asBoolean()).isTrue();
        assertThat(new String(out, StandardCharsets.UTF_8)).contains("${SLACK_URL}").doesNotContain("REDACTED");
    }

    @Test
    void aRenamedReceiverMovesToTheEntryOfItsNewNameAndAnEmptiedEntryGoes() throws Exception {
        ObjectNode renamed = (ObjectNode) new ObjectMapper().readTree("""
                {"name": "ops", "uid": "pager", "type": "pagerduty", "disableResolveMessage": false,
                 "settings": {"integrationKey": "[REDACTED]"}}""");
        byte[] out = new RuleGroupFile(TREE).withItem("a/n.yaml", NOTIFICATIONS.getBytes(StandardCharsets.UTF_8),
                "contactPoints", "pager", renamed);

        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("oncall").contains("${PD_KEY}");
        DesiredAlerting back = ReadAlerting.withoutSecrets(TREE).read(List.of(new ResourceFiles.File("a/n.yaml", out,
                null)));
        assertThat(back.contactPoints()).allSatisfy(c -> assertThat(c.body().path("name").asText()).isEqualTo("ops"));

        ObjectNode alone = renamed.deepCopy().put("name", "night-shift");
        String moved = new String(new RuleGroupFile(TREE).withItem("a/n.yaml", NOTIFICATIONS.getBytes(
                StandardCharsets.UTF_8), "contactPoints", "ops-mail", alone.put("uid", "ops-mail").put("type",
                "email").set("settings", new ObjectMapper().createObjectNode().put("addresses", "n@example.com"))),
                StandardCharsets.UTF_8);
        assertThat(moved).contains("name: night-shift").contains("name: ops\n").contains("name: oncall");
    }

    @Test
    void aPolicyTreeReplacesTheFilesTreeKeepingItsOrgId() throws Exception {
        ObjectNode tree = (ObjectNode) new ObjectMapper().readTree("""
                {"receiver": "oncall", "group_by": ["alertname"]}""");
        byte[] out = new RuleGroupFile(TREE).withItem("a/n.yaml", NOTIFICATIONS.getBytes(StandardCharsets.UTF_8),
                "policies", "policies", tree);

        DesiredAlerting back = read("a/n.yaml", out);
        assertThat(back.policies().orElseThrow().body()).isEqualTo(tree);
        assertThat(new String(out, StandardCharsets.UTF_8)).contains("orgId: 1\n    receiver: oncall");
    }
}
