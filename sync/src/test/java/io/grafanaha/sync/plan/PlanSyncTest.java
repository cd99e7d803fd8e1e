package io.grafanaha.sync.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.desired.DashboardSource;
import io.grafanaha.sync.desired.DesiredDashboard;
import io.grafanaha.sync.desired.DesiredFolder;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.FileError;
import io.grafanaha.sync.desired.SourceFormat;
import io.grafanaha.sync.actual.BackendState;
import io.grafanaha.sync.grafana.BackendDashboard;
import io.grafanaha.sync.grafana.BackendFolder;
import io.grafanaha.sync.json.CanonicalJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

class PlanSyncTest {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final ObjectId COMMIT = ObjectId.fromString("1234567890abcdef1234567890abcdef12345678");
    static final DesiredFolder ROOT = new DesiredFolder("root", "grafana-manifests", Optional.empty(), "", false);
    static final DesiredFolder TEAM_A = new DesiredFolder("team-a", "team-a", Optional.of("root"), "team-a", false);
    static final DesiredFolder NET = new DesiredFolder("net", "net", Optional.of("team-a"), "team-a/net", false);
    static final BackendFolder B_ROOT = new BackendFolder("root", "grafana-manifests", Optional.empty());
    static final BackendFolder B_TEAM_A = new BackendFolder("team-a", "team-a", Optional.of("root"));
    static final BackendFolder B_NET = new BackendFolder("net", "net", Optional.of("team-a"));

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static DesiredDashboard dash(String uid, String title, String folderUid, String extra) {
        ObjectNode j = CanonicalJson.normalise(json("{\"uid\":\"" + uid + "\",\"title\":\"" + title
                + "\",\"schemaVersion\":39,\"panels\":[{\"id\":1,\"type\":\"stat\"}]" + extra + "}"));
        return new DesiredDashboard(uid, title, folderUid, j, new DashboardSource("shared/" + uid + ".json",
                SourceFormat.classic(SourceFormat.Encoding.JSON), ObjectId.zeroId()));
    }

    /** The backend's copy of a desired dashboard: key order shuffled, id and version added. */
    static BackendDashboard held(DesiredDashboard d, String folderUid, int version) {
        ObjectNode j = MAPPER.createObjectNode();
        j.put("version", version);
        List<String> names = new ArrayList<>();
        d.json().fieldNames().forEachRemaining(names::add);
        for (int i = names.size() - 1; i >= 0; i--) {
            j.set(names.get(i), d.json().get(names.get(i)).deepCopy());
        }
        j.put("id", 40 + version);
        return new BackendDashboard(d.uid(), d.title(), folderUid, j, version);
    }

    static DesiredState desired(List<DesiredFolder> folders, List<DesiredDashboard> dashboards, FileError... errors) {
        return new DesiredState(COMMIT, "root", folders, dashboards, List.of(errors));
    }

    static Plan ready(PlanResult r) {
        assertThat(r).isInstanceOf(PlanResult.Ready.class);
        return ((PlanResult.Ready) r).plan();
    }

    static List<String> lines(Plan p) {
        return p.operations().stream().map(PlanOperation::describe).toList();
    }

    final DesiredDashboard cpu = dash("cpu", "CPU", "team-a", "");
    final DesiredDashboard mem = dash("memory", "Memory", "root", "");
    final DesiredDashboard netDash = dash("network", "Network", "net", "");

    @Test
    void emptyBackendGetsFoldersParentsFirstThenDashboards() {
        DesiredState d = desired(List.of(ROOT, TEAM_A, NET), List.of(cpu, mem, netDash));
        Plan p = ready(new PlanSync(d, BackendState.empty("grafana-a")).call());
        assertThat(lines(p)).containsExactly(
                "+ create folder \"grafana-manifests\" (uid root)",
                "+ create folder \"team-a\" (uid team-a) in grafana-manifests",
                "+ create folder \"net\" (uid net) in grafana-manifests/team-a",
                "+ create dashboard \"CPU\" (uid cpu) in grafana-manifests/team-a",
                "+ create dashboard \"Memory\" (uid memory) in grafana-manifests",
                "+ create dashboard \"Network\" (uid network) in grafana-manifests/team-a/net");
        assertThat(p.render()).startsWith("grafana-a @ 1234567: 6 changes\n  + create folder");
    }

    @Test
    void nothingIsPlannedWhenOnlyIdVersionAndKeyOrderDiffer() {
        DesiredState d = desired(List.of(ROOT, TEAM_A, NET), List.of(cpu, mem, netDash));
        BackendState b = BackendState.of("grafana-a", List.of(B_NET, B_ROOT, B_TEAM_A),
                List.of(held(cpu, "team-a", 3), held(mem, "root", 1), held(netDash, "net", 9)));
        Plan p = ready(new PlanSync(d, b).call());
        assertThat(p.isEmpty()).isTrue();
        assertThat(p.notes()).isEmpty();
        assertThat(p.render()).isEqualTo("grafana-a @ 1234567: no changes\n");
    }

    @Test
    void changedContentIsUpdatedAndChangedFolderIsMoved() {
        DesiredDashboard cpu2 = dash("cpu", "CPU", "team-a", ",\"refresh\":\"1m\"");
        DesiredDashboard memMoved = dash("memory", "Memory", "team-a", "");
        DesiredState d = desired(List.of(ROOT, TEAM_A), List.of(cpu2, memMoved));
        BackendState b = BackendState.of("grafana-a", List.of(B_ROOT, B_TEAM_A),
                List.of(held(cpu, "team-a", 3), held(mem, "root", 1)));
        Plan p = ready(new PlanSync(d, b).call());
        assertThat(lines(p)).containsExactly(
                "~ update dashboard \"CPU\" (uid cpu) in grafana-manifests/team-a",
                "> move dashboard \"Memory\" (uid memory) from grafana-manifests to grafana-manifests/team-a");
        assertThat(((PlanOperation.UpdateDashboard) p.operations().get(0)).fromVersion()).isEqualTo(3);
        assertThat(((PlanOperation.MoveDashboard) p.operations().get(1)).contentChanged()).isFalse();
    }

    @Test
    void removedFilesAreDeletedAndEmptyFoldersGoChildrenFirst() {
        DesiredState d = desired(List.of(ROOT), List.of(mem));
        BackendState b = BackendState.of("grafana-a", List.of(B_ROOT, B_TEAM_A, B_NET),
                List.of(held(cpu, "team-a", 3), held(mem, "root", 1), held(netDash, "net", 2)));
        Plan p = ready(new PlanSync(d, b).setDeleteLimit(DeleteLimit.unlimited()).call());
        assertThat(lines(p)).containsExactly(
                "- delete dashboard \"CPU\" (uid cpu) in grafana-manifests/team-a",
                "- delete dashboard \"Network\" (uid network) in grafana-manifests/team-a/net",
                "- delete folder \"net\" (uid net) in grafana-manifests/team-a",
                "- delete folder \"team-a\" (uid team-a) in grafana-manifests");
    }

    @Test
    void foldersAreRenamedAndMovedBeforeDashboardsAndCreatedParentsFirst() {
        DesiredFolder teamRenamed = new DesiredFolder("team-a", "Team A", Optional.of("root"), "team-a", true);
        DesiredFolder newParent = new DesiredFolder("infra", "infra", Optional.of("root"), "infra", false);
        DesiredFolder netMoved = new DesiredFolder("net", "net", Optional.of("infra"), "infra/net", false);
        DesiredState d = desired(List.of(ROOT, newParent, teamRenamed, netMoved), List.of());
        BackendState b = BackendState.of("grafana-a", List.of(B_ROOT, B_TEAM_A, B_NET), List.of());
        Plan p = ready(new PlanSync(d, b).call());
        assertThat(p.operations()).hasSize(3);
        assertThat(p.operations().get(0)).isInstanceOf(PlanOperation.CreateFolder.class);
        assertThat(lines(p)).containsExactly(
                "+ create folder \"infra\" (uid infra) in grafana-manifests",
                "~ rename folder \"team-a\" to \"Team A\" (uid team-a)",
                "> move folder \"net\" (uid net) from grafana-manifests/team-a to grafana-manifests/infra");
    }

    @Test
    void dashboardsOutsideTheManagedTreeAreNeverTouched() {
        BackendFolder other = new BackendFolder("other", "Other team", Optional.empty());
        DesiredState d = desired(List.of(ROOT), List.of(mem, dash("cpu", "CPU", "root", "")));
        BackendState b = new BackendState("grafana-a", List.of(B_ROOT, other),
                List.of(held(mem, "root", 1), held(cpu, "other", 1),
                        held(dash("general", "Home", "", ""), "", 1)),
                java.util.Set.of("searched-only"));
        Plan p = ready(new PlanSync(d, b).call());
        assertThat(p.isEmpty()).isTrue();
        assertThat(p.notes()).singleElement().asString().contains("uid cpu").contains("outside the managed tree");
    }

    @Test
    void aPlanDeletingMoreThanTheLimitIsRefused() {
        List<DesiredDashboard> all = IntStream.range(0, 20).mapToObj(i -> dash("d" + i, "D" + i, "root", ""))
                .toList();
        List<BackendDashboard> backend = all.stream().map(x -> held(x, "root", 1)).toList();
        BackendState b = BackendState.of("grafana-a", List.of(B_ROOT), backend);

        PlanResult ok = new PlanSync(desired(List.of(ROOT), all.subList(2, 20)), b).call();
        assertThat(ready(ok).count(PlanOperation.DeleteDashboard.class)).isEqualTo(2);

        PlanResult refused = new PlanSync(desired(List.of(ROOT), all.subList(3, 20)), b).call();
        assertThat(refused).isInstanceOfSatisfying(PlanResult.Refused.class, r -> {
            assertThat(r.reason()).isEqualTo("refusing to sync grafana-a: the plan would delete 3 of 20 managed"
                    + " dashboards, more than sync.max-deletes (10%)");
            assertThat(r.wouldBe().count(PlanOperation.DeleteDashboard.class)).isEqualTo(3);
        });

        PlanResult emptied = new PlanSync(desired(List.of(ROOT), List.of()), b)
                .setDeleteLimit(DeleteLimit.parse("5")).call();
        assertThat(emptied).isInstanceOf(PlanResult.Refused.class);
    }

    @Test
    void aShareAlwaysAllowsOneDeletionSoASmallTreeCanLoseAFile() {
        List<DesiredDashboard> all = IntStream.range(0, 3).mapToObj(i -> dash("d" + i, "D" + i, "root", "")).toList();
        BackendState b = BackendState.of("grafana-a", List.of(B_ROOT), all.stream().map(x -> held(x, "root", 1)).toList());

        assertThat(new PlanSync(desired(List.of(ROOT), all.subList(1, 3)), b).call()).isInstanceOf(PlanResult.Ready.class);
        assertThat(new PlanSync(desired(List.of(ROOT), all.subList(2, 3)), b).call()).isInstanceOf(PlanResult.Refused.class);
        assertThat(new PlanSync(desired(List.of(ROOT), all.subList(1, 3)), b).setDeleteLimit(DeleteLimit.count(0)).call())
                .as("a count of 0 forbids deletes").isInstanceOf(PlanResult.Refused.class);
    }

    @Test
    void aDashboardWhoseFileIsUnreadableIsNeitherDeletedNorItsFolder() {
        FileError bad = new FileError("shared/team-a/cpu.json", "shared/team-a/cpu.json: no title",
                Optional.of("cpu"), false);
        DesiredState d = desired(List.of(ROOT), List.of(mem), bad);
        BackendState b = BackendState.of("grafana-a", List.of(B_ROOT, B_TEAM_A),
                List.of(held(cpu, "team-a", 3), held(mem, "root", 1)));
        Plan p = ready(new PlanSync(d, b).setDeleteLimit(DeleteLimit.unlimited()).call());
        assertThat(p.isEmpty()).isTrue();
        assertThat(p.notes()).containsExactly(
                "dashboard \"CPU\" (uid cpu) kept: shared/team-a/cpu.json: no title",
                "folder \"team-a\" (uid team-a) kept: it still holds dashboard cpu");
    }

    @Test
    void aFileOfUnknownUidHoldsEveryDelete() {
        FileError bad = new FileError("shared/x.json", "shared/x.json: invalid JSON", Optional.empty(), true);
        DesiredState d = desired(List.of(ROOT), List.of(mem, cpu.withFolder("root")), bad);
        BackendState b = BackendState.of("grafana-a", List.of(B_ROOT, B_TEAM_A),
                List.of(held(netDash, "team-a", 3), held(mem, "root", 1)));
        Plan p = ready(new PlanSync(d, b).setDeleteLimit(DeleteLimit.unlimited()).call());
        assertThat(lines(p)).containsExactly("+ create dashboard \"CPU\" (uid cpu) in grafana-manifests");
        assertThat(p.notes()).anySatisfy(n -> assertThat(n).contains("deletes held back (network)")
                .contains("shared/x.json"));
        assertThat(p.notes()).anySatisfy(n -> assertThat(n).contains("folder deletes held back (team-a)"));
    }

    @Test
    void aPinnedFolderThatExistsOutsideTheTreeIsLeftAlone() {
        BackendFolder foreign = new BackendFolder("team-a", "Someone else's", Optional.empty());
        DesiredState d = desired(List.of(ROOT, TEAM_A), List.of(cpu));
        BackendState b = BackendState.of("grafana-a", List.of(B_ROOT, foreign), List.of());
        Plan p = ready(new PlanSync(d, b).call());
        assertThat(p.isEmpty()).isTrue();
        assertThat(p.notes()).hasSize(2);
    }
}
