package io.grafanaha.sync.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.plan.DeleteLimit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlanAlertingTest {
    private static final ObjectMapper M = new ObjectMapper();

    private static ObjectNode json(String s) {
        try {
            return (ObjectNode) M.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static DesiredAlerting desired(List<DesiredAlerting.Group> groups, List<DesiredAlerting.Item> cps) {
        return new DesiredAlerting(groups, cps, Optional.empty(), List.of(), List.of(),
                new DesiredAlerting.Deletes(Set.of(), Set.of(), Set.of(), Set.of()), Set.of(), false, List.of());
    }

    private static AlertingBackend.Actual actual(Map<String, ObjectNode> groups, Map<String, JsonNode> cps) {
        return new AlertingBackend.Actual(groups, cps, Map.of(), Map.of(), json("{\"receiver\":\"x\"}"));
    }

    private static final String RULE = "{\"uid\":\"r1\",\"title\":\"Down\",\"condition\":\"A\",\"for\":\"%s\","
            + "\"data\":[{\"refId\":\"A\",\"relativeTimeRange\":{\"from\":600,\"to\":0},\"datasourceUid\":\"prom\","
            + "\"model\":%s}],\"noDataState\":\"NoData\",\"execErrState\":\"Error\",\"labels\":{}}";

    @Test
    void fieldsGrafanaAddsToAQueryModelAreNoChange() {
        DesiredAlerting.Group g = new DesiredAlerting.Group("f", "g", json("{\"title\":\"g\",\"folderUid\":\"f\","
                + "\"interval\":60,\"rules\":[" + RULE.formatted("5m", "{\"expr\":\"up\"}") + "]}"), "a.yaml");
        ObjectNode held = json("{\"title\":\"g\",\"folderUid\":\"f\",\"interval\":60,\"rules\":["
                + RULE.formatted("300s", "{\"expr\":\"up\",\"intervalMs\":1000,\"maxDataPoints\":43200}") + "]}");
        assertThat(PlanAlerting.plan(desired(List.of(g), List.of()), actual(Map.of("f/g", held), Map.of()),
                DeleteLimit.percent(10), uid -> null).changes()).isEmpty();

        ObjectNode edited = json(held.toString().replace("\"Down\"", "\"Edited in the UI\""));
        assertThat(PlanAlerting.plan(desired(List.of(g), List.of()), actual(Map.of("f/g", edited), Map.of()),
                DeleteLimit.percent(10), uid -> null).changes()).singleElement()
                .isInstanceOf(AlertingChange.PutGroup.class);
    }

    @Test
    void aRedactedSecretIsComparedByTheDigestLastWritten() {
        DesiredAlerting.Item cp = new DesiredAlerting.Item("ops", json("{\"uid\":\"ops\",\"name\":\"ops\","
                + "\"type\":\"slack\",\"disableResolveMessage\":false,\"settings\":{\"url\":\"https://s\"}}"),
                "a.yaml", "digest-1");
        Map<String, JsonNode> held = Map.of("ops", json("{\"uid\":\"ops\",\"name\":\"ops\",\"type\":\"slack\","
                + "\"disableResolveMessage\":false,\"settings\":{\"url\":\"[REDACTED]\"}}"));
        DesiredAlerting d = desired(List.of(), List.of(cp));
        assertThat(PlanAlerting.plan(d, actual(Map.of(), held), DeleteLimit.percent(10), uid -> "digest-1")
                .changes()).isEmpty();
        assertThat(PlanAlerting.plan(d, actual(Map.of(), held), DeleteLimit.percent(10), uid -> "digest-0")
                .changes()).singleElement().isInstanceOf(AlertingChange.PutContactPoint.class);
    }

    @Test
    void aContactPointEditedOnTheBackendIsKeptForTheWriteBackAndASecretGitLacksIsADifference() {
        DesiredAlerting.Item cp = new DesiredAlerting.Item("ops", json("{\"uid\":\"ops\",\"name\":\"ops\","
                + "\"type\":\"slack\",\"disableResolveMessage\":false,\"settings\":{\"recipient\":\"#ops\"}}"),
                "a.yaml", "");
        Map<String, JsonNode> edited = Map.of("ops", json("{\"uid\":\"ops\",\"name\":\"ops\",\"type\":\"slack\","
                + "\"disableResolveMessage\":false,\"settings\":{\"recipient\":\"#ui\"}}"));
        PlanAlerting.Hold watching = new PlanAlerting.Hold() {
            @Override
            public boolean held(String key, ObjectNode actual, boolean inGit) {
                return false;
            }

            @Override
            public boolean heldItem(String kind, String name, JsonNode actual) {
                return kind.equals(PlanAlerting.CONTACT_POINT);
            }
        };
        PlanAlerting.Result kept = PlanAlerting.plan(desired(List.of(), List.of(cp)), actual(Map.of(), edited),
                DeleteLimit.percent(10), uid -> null, watching);
        assertThat(kept.changes()).isEmpty();
        assertThat(kept.notes()).singleElement().asString().contains("contact point ops (ops) kept");

        Map<String, JsonNode> withToken = Map.of("ops", json("{\"uid\":\"ops\",\"name\":\"ops\",\"type\":"
                + "\"slack\",\"disableResolveMessage\":false,\"settings\":{\"recipient\":\"#ops\",\"token\":"
                + "\"[REDACTED]\"}}"));
        assertThat(PlanAlerting.plan(desired(List.of(), List.of(cp)), actual(Map.of(), withToken),
                DeleteLimit.percent(10), uid -> null).changes()).as("a secret only the backend has is a difference")
                .singleElement().isInstanceOf(AlertingChange.PutContactPoint.class);
    }

    @Test
    void aManagedGroupNoFileDescribesIsDeletedWithinTheGuard() {
        ObjectNode held = json("{\"title\":\"old\",\"folderUid\":\"f\",\"interval\":60,\"rules\":["
                + RULE.formatted("5m", "{}") + "]}");
        PlanAlerting.Result r = PlanAlerting.plan(desired(List.of(), List.of()), actual(Map.of("f/old", held),
                Map.of()), DeleteLimit.count(0), uid -> null);
        assertThat(r.changes()).singleElement().isInstanceOf(AlertingChange.DeleteGroup.class);
        assertThat(r.refused()).get().asString().contains("1 of 1 managed alert rules");
    }

    @Test
    void aGroupTheHoldNamesIsNeitherUpdatedNorDeletedAndSaysWhy() {
        DesiredAlerting.Group g = new DesiredAlerting.Group("f", "g", json("{\"title\":\"g\",\"folderUid\":\"f\","
                + "\"interval\":60,\"rules\":[" + RULE.formatted("5m", "{}") + "]}"), "a.yaml");
        ObjectNode edited = json(g.body().toString().replace("\"Down\"", "\"Edited in the UI\""));
        ObjectNode made = json(edited.toString().replace("\"title\":\"g\"", "\"title\":\"new\"")
                .replace("\"r1\"", "\"r9\""));
        PlanAlerting.Result r = PlanAlerting.plan(desired(List.of(g), List.of()),
                actual(Map.of("f/g", edited, "f/new", made), Map.of()), DeleteLimit.unlimited(), uid -> null,
                (key, group, inGit) -> true);
        assertThat(r.changes()).isEmpty();
        assertThat(r.notes()).anyMatch(n -> n.contains("g in folder f kept: edited in Grafana"))
                .anyMatch(n -> n.contains("new in folder f kept: made or edited in Grafana"));
        assertThat(r.matching()).isEmpty();
    }
}
