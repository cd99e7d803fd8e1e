package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.AlertingWriteBackTest.call;
import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.SyncService;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Contact points and the notification policy tree changed in one Grafana reach Git and the other Grafana. */
class NotificationWriteBackTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "https://hooks.slack.example/T0/B0/very-secret";
    private static final String FILE = "shared/alerting/notifications.yaml";
    private static final String NOTIFICATIONS = """
            # Where the team's alerts go.
            apiVersion: 1
            contactPoints:
              - orgId: 1
                name: ops
                receivers:
                  - uid: ops-slack
                    type: slack
                    settings:
                      url: ${SLACK_URL}
                      recipient: "#ops"
              - orgId: 1
                name: dev
                receivers:
                  - uid: dev-mail
                    type: email
                    settings:
                      addresses: dev@example.com
            policies:
              - orgId: 1
                receiver: dev
                group_by: [grafana_folder, alertname]
                routes:
                  - receiver: ops
                    object_matchers: [[team, "=", ops]]
            """;

    @TempDir Path tmp;
    WriteBackFixture fx;
    SyncService sync;
    WriteBack writeBack;

    @BeforeEach
    void setUp() throws Exception {
        fx = new WriteBackFixture(tmp);
        fx.workspace.writeFile(FILE, NOTIFICATIONS).commitAndPush("contact points and policies");
        sync = fx.sync(fx.settings("data"), Map.of("SLACK_URL", SECRET));
        pass(sync);
        assertThat(fx.b.resources().contactPoints()).containsKeys("ops-slack", "dev-mail");
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
    void aContactPointEditedInOneGrafanaReachesGitWithItsSecretStillAVariableAndTheOtherGrafana() throws Exception {
        startWriteBack(Duration.ofMillis(200));
        editOps(fx.a, "ops", "#alerts");

        await().atMost(WAIT).until(() -> fx.gitFile(FILE).orElse("").contains("#alerts"));
        await().atMost(WAIT).until(() -> recipient(fx.b).equals("#alerts"));
        String file = fx.gitFile(FILE).orElseThrow();
        assertThat(file).as("the secret stays a variable").contains("url: \"${SLACK_URL}\"").doesNotContain(SECRET)
                .doesNotContain("REDACTED");
        assertThat(file).as("the rest of the file is kept").contains("# Where the team's alerts go.")
                .contains("dev@example.com").contains("receiver: ops");
        assertThat(fx.repo.log().get(0).shortMessage()).contains("contact point \"ops\"").contains("grafana-a");
        assertThat(fx.b.resources().contactPoints().get("ops-slack").path("settings").path("url").asText())
                .as("the other Grafana's secret comes from the environment").isEqualTo(SECRET);

        pass(sync);
        assertThat(recipient(fx.a)).isEqualTo("#alerts");
        assertThat(sync.planResources().get("grafana-a")).contains("alerting: no changes");
        assertThat(sync.planResources().get("grafana-b")).contains("alerting: no changes");
    }

    @Test
    void aRenamedContactPointAndAnEditedPolicyTreeReachGitAndTheOtherGrafana() throws Exception {
        startWriteBack(Duration.ofMillis(200));
        editOps(fx.a, "ops-team", "#ops"); // Grafana renames it in the policy tree too
        ObjectNode tree = (ObjectNode) call(fx.a, "GET", "/api/v1/provisioning/policies", null);
        tree.remove("provenance");
        tree.putArray("group_by").add("alertname");
        call(fx.a, "PUT", "/api/v1/provisioning/policies", tree);

        // A round may read the contact points just before the rename and the tree just after: then the rename
        // follows in the next round.
        await().atMost(WAIT).until(() -> fx.gitFile(FILE).orElse("").contains("name: ops-team")
                && !fx.gitFile(FILE).orElse("").contains("grafana_folder"));
        await().atMost(WAIT).until(() -> policies(fx.b).path("group_by").toString().equals("[\"alertname\"]"));
        String file = fx.gitFile(FILE).orElseThrow();
        assertThat(file).contains("name: ops-team").doesNotContain("name: ops\n").contains("receiver: ops-team")
                .contains("url: \"${SLACK_URL}\"");
        assertThat(fx.b.resources().contactPoints().get("ops-slack").path("name").asText()).isEqualTo("ops-team");
        assertThat(policies(fx.b).path("routes").get(0).path("receiver").asText()).isEqualTo("ops-team");

        pass(sync);
        assertThat(sync.planResources().get("grafana-a")).contains("alerting: no changes");
        assertThat(sync.planResources().get("grafana-b")).contains("alerting: no changes");
    }

    @Test
    void anEditOfAContactPointGitChangedMeanwhileGoesToAConflictBranchAndGitsVersionStays() throws Exception {
        startWriteBack(Duration.ofHours(1)); // rounds only when asked, as after a write through the gateway
        fx.workspace.writeFile(FILE, NOTIFICATIONS.replace("\"#ops\"", "\"#ops-git\"")).commitAndPush("Git's change");
        editOps(fx.a, "ops", "#ops-grafana");

        writeBack.alertingWritten("grafana-a");

        await().atMost(WAIT).until(() -> fx.branches().stream().anyMatch(b -> b.contains("conflicts/alerting-")));
        String branch = fx.branches().stream().filter(b -> b.contains("conflicts/alerting-")).findFirst()
                .orElseThrow().replace("refs/heads/", "");
        assertThat(fx.repo.readFile(branch, FILE).orElseThrow()).contains("#ops-grafana").doesNotContain(SECRET);
        assertThat(fx.gitFile(FILE).orElseThrow()).contains("#ops-git");
        assertThat(writeBack.status().conflicts()).isEqualTo(1);
        await().atMost(WAIT).until(() -> {
            pass(sync);
            return recipient(fx.a).equals("#ops-git");
        });
    }

    @Test
    void aPolicyTreeEditIsWrittenBackBesideABrokenAlertingFileWhichStaysAsItIs() throws Exception {
        String broken = "apiVersion: 1\ncontactPoints: [ {name: x\n";
        fx.workspace.writeFile("shared/alerting/broken.yaml", broken).commitAndPush("a broken file");
        pass(sync);
        startWriteBack(Duration.ofMillis(200));
        ObjectNode tree = (ObjectNode) call(fx.a, "GET", "/api/v1/provisioning/policies", null);
        tree.put("group_wait", "45s");
        call(fx.a, "PUT", "/api/v1/provisioning/policies", tree);

        await().atMost(WAIT).until(() -> fx.gitFile(FILE).orElse("").contains("group_wait: 45s"));
        await().atMost(WAIT).until(() -> policies(fx.b).path("group_wait").asText().equals("45s"));
        assertThat(fx.gitFile("shared/alerting/broken.yaml")).contains(broken);
        assertThat(fx.gitFile(FILE).orElseThrow()).doesNotContain("provenance");
    }

    @Test
    void aSecretAddedInGrafanaIsWrittenAsAVariableToSetNeverInClear() throws Exception {
        startWriteBack(Duration.ofMillis(200));
        ObjectNode ops = JSON.createObjectNode().put("name", "ops").put("type", "slack");
        ops.putObject("settings").put("url", "[REDACTED]").put("recipient", "#ops").put("token", "xoxb-new-secret");
        call(fx.a, "PUT", "/api/v1/provisioning/contact-points/ops-slack", ops);

        await().atMost(WAIT).until(() -> fx.gitFile(FILE).orElse("").contains("CONTACT_POINT_OPS_SLACK_TOKEN"));
        assertThat(fx.gitFile(FILE).orElseThrow()).contains("token: \"${CONTACT_POINT_OPS_SLACK_TOKEN}\"")
                .doesNotContain("xoxb-new-secret").contains("url: \"${SLACK_URL}\"");
        assertThat(fx.a.resources().contactPoints().get("ops-slack").path("settings").path("token").asText())
                .as("the Grafana it was set on keeps it").isEqualTo("xoxb-new-secret");
    }

    /** Contact point ops-slack saved as the UI does: its secret sent back redacted. */
    private static void editOps(GrafanaEmulator g, String name, String recipient) throws Exception {
        ObjectNode ops = JSON.createObjectNode().put("name", name).put("type", "slack")
                .put("disableResolveMessage", false);
        ops.putObject("settings").put("url", "[REDACTED]").put("recipient", recipient);
        call(g, "PUT", "/api/v1/provisioning/contact-points/ops-slack", ops);
    }

    private static String recipient(GrafanaEmulator g) {
        return g.resources().contactPoints().get("ops-slack").path("settings").path("recipient").asText();
    }

    private static JsonNode policies(GrafanaEmulator g) throws Exception {
        return call(g, "GET", "/api/v1/provisioning/policies", null);
    }
}
