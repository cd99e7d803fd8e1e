package io.grafanaha.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.sync.desired.DesiredDashboard;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.ReadDesiredState;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.git.FetchResult;
import io.grafanaha.sync.git.GitCredentials;
import io.grafanaha.sync.git.GitMirror;
import io.grafanaha.sync.git.GitSource;
import io.grafanaha.sync.grafana.BackendDashboard;
import io.grafanaha.sync.grafana.BackendFolder;
import io.grafanaha.sync.actual.BackendState;
import io.grafanaha.sync.plan.Plan;
import io.grafanaha.sync.plan.PlanOperation;
import io.grafanaha.sync.plan.PlanResult;
import io.grafanaha.sync.plan.PlanSync;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The path a sync pass takes: fetch, read the head, plan against a backend that applied the previous head. */
class GitToPlanTest {
    @TempDir Path tmp;

    @Test
    void aBackendThatAppliedThePreviousHeadGetsOnlyTheDifference() throws Exception {
        try (RemoteRepo remote = RemoteRepo.create(tmp.resolve("remote"))) {
            remote.writeResource("shared/cpu.json", "cpu.json")
                    .writeResource("shared/team-a/memory.json", "memory.json")
                    .writeResource("shared/team-a/network.yaml", "network.yaml")
                    .commitAndPush("three dashboards");
            GitSource source = new GitSource(remote.url(), "main", GitCredentials.none());
            try (GitMirror mirror = GitMirror.open(tmp.resolve("data"), source)) {
                DesiredState first = read(mirror, mirror.fetch());
                BackendState applied = asBackendWouldHold(first);
                assertThat(ready(new PlanSync(first, applied).call()).isEmpty()).isTrue();

                remote.delete("shared/cpu.json").writeResource("shared/team-a/cpu.yaml", "cpu.resource.yaml")
                        .write("shared/team-a/memory.json", "{\"uid\":\"memory\",\"title\":\"Memory\","
                                + "\"tags\":[],\"panels\":[],\"schemaVersion\":39}")
                        .write("shared/team-a/network.yaml", "apiVersion: dashboard.grafana.app/v1\nkind: [")
                        .write("shared/team-a/copy.json", "{\"uid\":\"memory\",\"title\":\"Copy\"}")
                        .commitAndPush("move cpu, break network, duplicate memory");
                DesiredState second = read(mirror, mirror.fetch());
                Plan plan = ready(new PlanSync(second, applied).call());

                assertThat(plan.operations()).extracting(PlanOperation::describe).containsExactly(
                        "> move dashboard \"CPU\" (uid cpu) from grafana-manifests to grafana-manifests/team-a");
                assertThat(plan.notes()).anySatisfy(n -> assertThat(n).contains("uid memory").contains("kept"));
                assertThat(plan.notes()).anySatisfy(n -> assertThat(n).contains("deletes held back")
                        .contains("shared/team-a/network.yaml"));
                assertThat(second.errors()).hasSize(3);
            }
        }
    }

    private static DesiredState read(GitMirror mirror, FetchResult fetch) throws Exception {
        CommitInfo head = fetch.head().orElseThrow();
        return new ReadDesiredState(mirror.repository()).setCommit(head.id()).setPath("shared")
                .setRootFolderTitle(mirror.source().repositoryName()).call();
    }

    private static BackendState asBackendWouldHold(DesiredState s) {
        List<BackendFolder> folders = s.folders().stream()
                .map(f -> new BackendFolder(f.uid(), f.title(), f.parentUid())).toList();
        List<BackendDashboard> dashboards = s.dashboards().stream().map(GitToPlanTest::stored).toList();
        return BackendState.of("grafana-a", folders, dashboards);
    }

    private static BackendDashboard stored(DesiredDashboard d) {
        var json = d.json().deepCopy();
        json.put("id", 7);
        json.put("version", 2);
        return new BackendDashboard(d.uid(), d.title(), d.folderUid(), json, 2);
    }

    private static Plan ready(PlanResult r) {
        assertThat(r).isInstanceOf(PlanResult.Ready.class);
        return ((PlanResult.Ready) r).plan();
    }
}
