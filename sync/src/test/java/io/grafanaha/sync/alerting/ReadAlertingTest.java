package io.grafanaha.sync.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.sync.desired.DesiredFolder;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.ResourceFiles;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

class ReadAlertingTest {
    private static final DesiredState TREE = new DesiredState(ObjectId.zeroId(), "root-uid",
            List.of(new DesiredFolder("root-uid", "grafana-manifests", Optional.empty(), "", false),
                    new DesiredFolder("team-a-uid", "Team A", Optional.of("root-uid"), "team-a", true),
                    new DesiredFolder("team-b-uid", "team-b", Optional.of("root-uid"), "team-b", false),
                    new DesiredFolder("team-b-a-uid", "Team A", Optional.of("team-b-uid"), "team-b/team-a", true)),
            List.of(), List.of());

    private static DesiredAlerting read(String yaml, Map<String, String> env) {
        return new ReadAlerting(TREE, env).read(List.of(new ResourceFiles.File("shared/alerting/a.yaml",
                yaml.getBytes(StandardCharsets.UTF_8), null)));
    }

    private static String group(String folderLine) {
        return """
                apiVersion: 1
                groups:
                  - name: g
                    %s
                    interval: 2m
                    rules:
                      - uid: r1
                        title: Down
                        condition: A
                        data: [{refId: A, datasourceUid: prom, model: {expr: up}}]
                        for: 1m
                """.formatted(folderLine);
    }

    @Test
    void aGroupNamesItsFolderByTitlePathDirectoryOrUid() {
        assertThat(read(group("folder: grafana-manifests/team-b/Team A"), Map.of()).groups().get(0).folderUid())
                .isEqualTo("team-b-a-uid");
        assertThat(read(group("folder: team-b/team-a"), Map.of()).groups().get(0).folderUid())
                .isEqualTo("team-b-a-uid");
        assertThat(read(group("folderUid: team-a-uid"), Map.of()).groups().get(0).folderUid())
                .isEqualTo("team-a-uid");
    }

    @Test
    void anAmbiguousOrUnknownFolderSkipsTheGroupAndHoldsDeletes() {
        DesiredAlerting ambiguous = read(group("folder: Team A"), Map.of());
        assertThat(ambiguous.groups()).as("two managed folders are titled Team A").isEmpty();
        assertThat(ambiguous.holdRuleDeletes()).isTrue();
        DesiredAlerting unknown = read(group("folder: no-such-folder"), Map.of());
        assertThat(unknown.groups()).isEmpty();
        assertThat(unknown.errors()).singleElement().asString().startsWith("shared/alerting/a.yaml: group 'g'");
    }

    @Test
    void theGroupBecomesTheApisShapeWithIntervalInSeconds() {
        DesiredAlerting.Group g = read(group("folderUid: team-a-uid"), Map.of()).groups().get(0);
        assertThat(g.body().path("interval").asLong()).isEqualTo(120);
        assertThat(g.body().path("rules").get(0).path("folderUID").asText()).isEqualTo("team-a-uid");
        assertThat(g.body().path("rules").get(0).path("ruleGroup").asText()).isEqualTo("g");
        assertThat(g.body().path("rules").get(0).path("data").get(0).path("relativeTimeRange").path("from").asLong())
                .isZero();
    }

    @Test
    void aRuleWithoutUidProtectsItsGroup() {
        DesiredAlerting a = read(group("folderUid: team-a-uid").replace("uid: r1", "labels: {}"), Map.of());
        assertThat(a.groups()).isEmpty();
        assertThat(a.protectedGroups()).containsExactly("team-a-uid/g");
    }

    @Test
    void contactPointSecretsComeFromTheEnvironmentAndAMissingOneSkipsIt() {
        String yaml = """
                apiVersion: 1
                contactPoints:
                  - name: ops
                    receivers:
                      - uid: ops
                        type: webhook
                        settings: {url: "https://hook", password: "${HOOK_PASSWORD}"}
                """;
        DesiredAlerting set = read(yaml, Map.of("HOOK_PASSWORD", "pw"));
        assertThat(set.contactPoints().get(0).body().path("settings").path("password").asText()).isEqualTo("pw");
        assertThat(set.contactPoints().get(0).secret()).isNotEmpty();
        DesiredAlerting unset = read(yaml, Map.of());
        assertThat(unset.contactPoints()).isEmpty();
        assertThat(unset.errors()).singleElement().asString().contains("shared/alerting/a.yaml")
                .contains("HOOK_PASSWORD");
    }

    @Test
    void durationsReadAsPrometheusWritesThem() {
        assertThat(Durations.seconds("1h30m")).isEqualTo(5400);
        assertThat(Durations.seconds("90")).isEqualTo(90);
        assertThat(Durations.seconds("5 minutes")).isEqualTo(-1);
    }
}
