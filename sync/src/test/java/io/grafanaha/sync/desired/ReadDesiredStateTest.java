package io.grafanaha.sync.desired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grafanaha.sync.RemoteRepo;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadDesiredStateTest {
    private static final String ROOT = "grafana-manifests";
    @TempDir Path tmp;
    RemoteRepo repo;

    @BeforeEach
    void setUp() {
        repo = RemoteRepo.create(tmp.resolve("remote"));
    }

    @AfterEach
    void tearDown() {
        repo.close();
    }

    private DesiredState read(ObjectId commit) throws Exception {
        return new ReadDesiredState(repo.workRepository()).setCommit(commit).setPath("shared/")
                .setRootFolderTitle(ROOT).call();
    }

    private static DesiredDashboard only(DesiredState s) {
        assertThat(s.errors()).isEmpty();
        assertThat(s.dashboards()).hasSize(1);
        return s.dashboards().get(0);
    }

    @Test
    void classicJsonResourceJsonAndResourceYamlReadToTheSameModel() throws Exception {
        DesiredDashboard classic = only(read(repo.writeResource("shared/cpu.json", "cpu.json").commitAndPush("c")));
        repo.delete("shared/cpu.json");
        DesiredDashboard resJson = only(read(repo.writeResource("shared/cpu.json", "cpu.resource.json")
                .commitAndPush("rj")));
        repo.delete("shared/cpu.json");
        DesiredDashboard resYaml = only(read(repo.writeResource("shared/cpu.yaml", "cpu.resource.yaml")
                .commitAndPush("ry")));

        assertThat(resJson.json()).isEqualTo(classic.json());
        assertThat(resYaml.json()).isEqualTo(classic.json());
        assertThat(classic.uid()).isEqualTo("cpu");
        assertThat(classic.title()).isEqualTo("CPU");
        assertThat(classic.json().has("id")).isFalse();
        assertThat(classic.json().has("version")).isFalse();
        assertThat(resYaml.json().path("uid").asText()).isEqualTo("cpu");

        assertThat(classic.source().format()).isEqualTo(SourceFormat.classic(SourceFormat.Encoding.JSON));
        assertThat(resJson.source().format().kind()).isEqualTo(SourceFormat.Kind.RESOURCE);
        assertThat(resJson.source().format().encoding()).isEqualTo(SourceFormat.Encoding.JSON);
        assertThat(resYaml.source().format())
                .isEqualTo(SourceFormat.resource(SourceFormat.Encoding.YAML, "dashboard.grafana.app/v1beta1"));
        assertThat(resYaml.source().path()).isEqualTo("shared/cpu.yaml");
        assertThat(resYaml.source().blobId())
                .isEqualTo(ObjectId.fromString(blobId("shared/cpu.yaml")));
    }

    @Test
    void directoriesBecomeNestedFoldersUnderTheRootFolder() throws Exception {
        ObjectId c = repo.writeResource("shared/cpu.json", "cpu.json")
                .writeResource("shared/team-a/memory.json", "memory.json")
                .writeResource("shared/team-a/net/network.yaml", "network.yaml")
                .write("shared/README.md", "not a dashboard")
                .writeResource("elsewhere/ignored.json", "cpu.json")
                .commitAndPush("tree");
        DesiredState s = read(c);

        assertThat(s.errors()).isEmpty();
        assertThat(s.folders()).extracting(DesiredFolder::directory).containsExactly("", "team-a", "team-a/net");
        DesiredFolder root = s.folders().get(0);
        DesiredFolder teamA = s.folders().get(1);
        DesiredFolder net = s.folders().get(2);
        assertThat(root.title()).isEqualTo(ROOT);
        assertThat(root.parentUid()).isEmpty();
        assertThat(s.rootFolderUid()).isEqualTo(root.uid());
        assertThat(teamA.title()).isEqualTo("team-a");
        assertThat(teamA.parentUid()).contains(root.uid());
        assertThat(net.parentUid()).contains(teamA.uid());
        assertThat(s.folders()).allSatisfy(f -> {
            assertThat(f.uid()).matches("[a-zA-Z0-9_-]{1,40}");
            assertThat(f.pinned()).isFalse();
        });

        assertThat(s.dashboards()).extracting(DesiredDashboard::uid).containsExactly("cpu", "memory", "network");
        assertThat(s.dashboard("cpu").orElseThrow().folderUid()).isEqualTo(root.uid());
        assertThat(s.dashboard("memory").orElseThrow().folderUid()).isEqualTo(teamA.uid());
        assertThat(s.dashboard("network").orElseThrow().folderUid()).isEqualTo(net.uid());
    }

    @Test
    void derivedFolderUidsAreStableAcrossReadersAndCommits() throws Exception {
        ObjectId c1 = repo.writeResource("shared/team-a/memory.json", "memory.json").commitAndPush("one");
        ObjectId c2 = repo.writeResource("shared/team-a/cpu.json", "cpu.json").commitAndPush("two");
        DesiredState a = read(c1);
        DesiredState b = new ReadDesiredState(repo.workRepository()).setCommit(c2).setPath("/shared")
                .setRootFolderTitle(ROOT).call();
        assertThat(b.folders()).isEqualTo(a.folders());
        assertThat(a.folders().get(1).uid()).isEqualTo(FolderUids.derive(ROOT, "team-a"))
                .startsWith("team-a-").hasSizeLessThanOrEqualTo(40);
        assertThat(FolderUids.derive(ROOT, "x/team-a")).isNotEqualTo(FolderUids.derive(ROOT, "team-a"));
        assertThat(FolderUids.derive("other", "team-a")).isNotEqualTo(FolderUids.derive(ROOT, "team-a"));
        assertThat(FolderUids.derive(ROOT, "Kubernetes (experimental) with a very long name"))
                .matches("[a-z0-9-]{1,40}");
    }

    @Test
    void folderFilePinsUidAndTitle() throws Exception {
        ObjectId c = repo.writeResource("shared/team-a/memory.json", "memory.json")
                .write("shared/team-a/_folder.json", """
                        {"apiVersion":"folder.grafana.app/v1beta1","kind":"Folder",
                         "metadata":{"name":"team-a-uid"},"spec":{"title":"Team A"}}""")
                .writeResource("shared/team-a/sub/network.yaml", "network.yaml")
                .commitAndPush("pinned");
        DesiredState s = read(c);
        assertThat(s.errors()).isEmpty();
        DesiredFolder teamA = s.folders().get(1);
        assertThat(teamA).isEqualTo(new DesiredFolder("team-a-uid", "Team A", Optional.of(s.rootFolderUid()),
                "team-a", true));
        assertThat(s.folders().get(2).parentUid()).contains("team-a-uid");
        assertThat(s.dashboard("memory").orElseThrow().folderUid()).isEqualTo("team-a-uid");
    }

    @Test
    void folderFileAtThePathPinsTheRootFolder() throws Exception {
        ObjectId c = repo.write("shared/_folder.json", """
                        {"apiVersion":"folder.grafana.app/v1beta1","kind":"Folder",
                         "metadata":{"name":"dashboards-root"},"spec":{"title":"Shared dashboards"}}""")
                .writeResource("shared/team-a/memory.json", "memory.json").commitAndPush("root pinned");
        DesiredState s = read(c);
        assertThat(s.errors()).isEmpty();
        assertThat(s.rootFolderUid()).isEqualTo("dashboards-root");
        assertThat(s.folders().get(0).title()).isEqualTo("Shared dashboards");
        assertThat(s.folders().get(1).parentUid()).contains("dashboards-root");
    }

    @Test
    void eachBadFileIsSkippedWithItsPathWhileTheOthersLoad() throws Exception {
        ObjectId c = repo.writeResource("shared/cpu.json", "cpu.json")
                .writeResource("shared/team/network.yaml", "network.yaml")
                .write("shared/bad-json.json", "{\"uid\": \"broken\", \"title\": ")
                .write("shared/bad-late.json", "{\"title\": \"x\", \"panels\": [,], \"uid\": \"late\"}")
                .write("shared/bad-yaml.yaml", "apiVersion: dashboard.grafana.app/v1\nkind: [unclosed\n")
                .write("shared/no-title.json", "{\"uid\":\"notitle\",\"panels\":[]}")
                .write("shared/no-uid.json", "{\"title\":\"No uid\",\"panels\":[]}")
                .write("shared/no-name.yaml", "apiVersion: dashboard.grafana.app/v1\nkind: Dashboard\n"
                        + "metadata: {}\nspec: {title: Nameless}\n")
                .write("shared/long-uid.json", "{\"uid\":\"" + "x".repeat(41) + "\",\"title\":\"Long\"}")
                .write("shared/bad-uid.json", "{\"uid\":\"has space\",\"title\":\"Bad\"}")
                .write("shared/dup-1.json", "{\"uid\":\"dup\",\"title\":\"Dup one\"}")
                .write("shared/team/dup-2.json", "{\"uid\":\"dup\",\"title\":\"Dup two\"}")
                .write("shared/huge.json", "{\"uid\":\"huge\",\"title\":\"Huge\",\"pad\":\"" + "x".repeat(5000) + "\"}")
                .write("shared/alert.yaml", "apiVersion: alerting.grafana.app/v1\nkind: AlertRule\n")
                .write("shared/list.json", "[1,2]")
                .symlink("shared/link.json", "../../../etc/passwd")
                .commitAndPush("mixed");
        DesiredState s = new ReadDesiredState(repo.workRepository()).setCommit(c).setPath("shared")
                .setRootFolderTitle(ROOT).setMaxFileBytes(4000).call();

        assertThat(s.dashboards()).extracting(DesiredDashboard::uid).containsExactly("cpu", "network");
        assertThat(s.errors()).extracting(FileError::path).containsExactly(
                "shared/alert.yaml", "shared/bad-json.json", "shared/bad-late.json", "shared/bad-uid.json", "shared/bad-yaml.yaml",
                "shared/dup-1.json", "shared/huge.json", "shared/link.json", "shared/list.json",
                "shared/long-uid.json", "shared/no-name.yaml", "shared/no-title.json", "shared/no-uid.json",
                "shared/team/dup-2.json");
        assertThat(s.errors()).allSatisfy(e -> assertThat(e.message()).startsWith(e.path() + ": "));
        assertThat(error(s, "shared/bad-json.json").message()).contains("invalid JSON");
        assertThat(error(s, "shared/bad-yaml.yaml").message()).contains("invalid YAML");
        assertThat(error(s, "shared/no-title.json").message()).contains("no title");
        assertThat(error(s, "shared/no-uid.json").message()).contains("no uid");
        assertThat(error(s, "shared/no-name.yaml").message()).contains("metadata.name");
        assertThat(error(s, "shared/long-uid.json").message()).contains("longer than 40");
        assertThat(error(s, "shared/bad-uid.json").message()).contains("characters");
        assertThat(error(s, "shared/dup-1.json").message()).contains("also used by shared/team/dup-2.json");
        assertThat(error(s, "shared/huge.json").message()).contains("larger than 4000 bytes");
        assertThat(error(s, "shared/link.json").message()).contains("symbolic link");
        assertThat(error(s, "shared/alert.yaml").message()).contains("not a dashboard");

        assertThat(s.protectedUids()).containsExactlyInAnyOrder("dup", "notitle", "x".repeat(41), "has space",
                "broken");
        assertThat(s.deleteHolds()).extracting(FileError::path).containsExactlyInAnyOrder(
                "shared/bad-late.json", "shared/bad-yaml.yaml", "shared/huge.json", "shared/no-name.yaml",
                "shared/no-uid.json");
    }

    @Test
    void yamlAnchorsAndAliasesMakeABadFileNamedInTheErrorInsteadOfSilentStrings() throws Exception {
        String withAlias = """
                apiVersion: dashboard.grafana.app/v1
                kind: Dashboard
                metadata:
                  name: aliased
                spec:
                  title: Aliased
                  panels:
                    - &cpu {type: timeseries, title: CPU}
                    - *cpu
                """;
        String withAnchorOnly = """
                uid: anchored
                title: &t Anchored
                panels: []
                """;
        ObjectId c = repo.writeResource("shared/cpu.json", "cpu.json")
                .write("shared/aliased.yaml", withAlias)
                .write("shared/anchored.yml", withAnchorOnly)
                .commitAndPush("anchors");

        DesiredState s = read(c);

        assertThat(s.dashboards()).extracting(DesiredDashboard::uid).containsExactly("cpu");
        assertThat(s.errors()).extracting(FileError::path).containsExactly("shared/aliased.yaml", "shared/anchored.yml");
        assertThat(error(s, "shared/aliased.yaml").message())
                .startsWith("shared/aliased.yaml: ").contains("invalid YAML", "anchor (&cpu)", "line 8");
        assertThat(error(s, "shared/anchored.yml").message()).contains("invalid YAML", "anchor (&t)");
        assertThat(s.deleteHolds()).extracting(FileError::path).containsExactlyInAnyOrder("shared/aliased.yaml", "shared/anchored.yml");
    }

    @Test
    void unusableFolderFileSkipsItsSubtreeAndProtectsItsDashboards() throws Exception {
        ObjectId c = repo.writeResource("shared/cpu.json", "cpu.json")
                .writeResource("shared/team-a/memory.json", "memory.json")
                .write("shared/team-a/_folder.json", "{\"kind\":\"Folder\"}")
                .writeResource("shared/team-a/sub/network.yaml", "network.yaml")
                .commitAndPush("bad folder file");
        DesiredState s = read(c);
        assertThat(s.dashboards()).extracting(DesiredDashboard::uid).containsExactly("cpu");
        assertThat(s.folders()).extracting(DesiredFolder::directory).containsExactly("");
        assertThat(s.errors()).extracting(FileError::path).containsExactly("shared/team-a/_folder.json",
                "shared/team-a/memory.json", "shared/team-a/sub/network.yaml");
        assertThat(s.protectedUids()).containsExactlyInAnyOrder("memory", "network");
    }

    @Test
    void duplicatePinnedFolderUidsAreBothSkipped() throws Exception {
        String pin = "{\"apiVersion\":\"folder.grafana.app/v1beta1\",\"kind\":\"Folder\","
                + "\"metadata\":{\"name\":\"same\"},\"spec\":{\"title\":\"T\"}}";
        ObjectId c = repo.write("shared/a/_folder.json", pin).write("shared/b/_folder.json", pin)
                .writeResource("shared/a/cpu.json", "cpu.json").commitAndPush("dup folders");
        DesiredState s = read(c);
        assertThat(error(s, "shared/a/_folder.json").message()).contains("also pinned by shared/b/_folder.json");
        assertThat(s.folders()).extracting(DesiredFolder::uid).doesNotContain("same");
        assertThat(s.protectedUids()).containsExactly("cpu");
    }

    @Test
    void aFolderFileReusingAnotherFoldersUidIsSkippedAndTheRestStillReads() throws Exception {
        String taken = FolderUids.derive(ROOT, "team-a");
        ObjectId c = repo.writeResource("shared/cpu.json", "cpu.json")
                .writeResource("shared/team-a/memory.json", "memory.json")
                .write("shared/team-b/_folder.json", "{\"apiVersion\":\"folder.grafana.app/v1beta1\",\"kind\":"
                        + "\"Folder\",\"metadata\":{\"name\":\"" + taken + "\"},\"spec\":{\"title\":\"B\"}}")
                .writeResource("shared/team-b/net/network.yaml", "network.yaml")
                .commitAndPush("team-b copies team-a's folder uid");
        DesiredState s = read(c);

        assertThat(s.foldersByUid()).containsKey(taken); // no "Duplicate key"
        assertThat(s.foldersByUid().get(taken).directory()).isEqualTo("team-a");
        assertThat(error(s, "shared/team-b/_folder.json").message()).contains(taken).contains("team-a");
        assertThat(s.dashboards()).extracting(DesiredDashboard::uid).containsExactlyInAnyOrder("cpu", "memory");
        assertThat(s.protectedUids()).containsExactly("network");
    }

    @Test
    void missingPathHoldsDeletesInsteadOfLookingEmpty() throws Exception {
        ObjectId c = repo.writeResource("other/cpu.json", "cpu.json").commitAndPush("no shared");
        DesiredState s = read(c);
        assertThat(s.dashboards()).isEmpty();
        assertThat(s.deleteHolds()).singleElement().satisfies(e -> assertThat(e.message()).contains("shared"));
    }

    @Test
    void pathThatEscapesIsRefused() {
        assertThatThrownBy(() -> new ReadDesiredState(repo.workRepository()).setPath("shared/../.."))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sync.path");
        assertThat(ReadDesiredState.normalisePath("/shared//x/")).isEqualTo("shared/x");
        assertThat(ReadDesiredState.normalisePath("/")).isEmpty();
    }

    private static FileError error(DesiredState s, String path) {
        List<FileError> found = s.errors().stream().filter(e -> e.path().equals(path)).toList();
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    private String blobId(String path) throws Exception {
        try (var tw = org.eclipse.jgit.treewalk.TreeWalk.forPath(repo.workRepository(), path,
                new org.eclipse.jgit.revwalk.RevWalk(repo.workRepository())
                        .parseCommit(repo.workRepository().resolve("HEAD")).getTree())) {
            return tw.getObjectId(0).name();
        }
    }

    @Test
    void unchangedFilesKeepTheirTreeFromThePreviousReadAndChangedOnesAreReadAgain() throws Exception {
        ObjectId first = repo.writeResource("shared/cpu.json", "cpu.json")
                .writeResource("shared/team-a/memory.json", "memory.json").commitAndPush("two dashboards");
        DesiredState before = read(first);
        ObjectId second = repo.write("shared/cpu.json", "{\"uid\":\"cpu\",\"title\":\"CPU renamed\"}")
                .commitAndPush("rename cpu");

        DesiredState after = new ReadDesiredState(repo.workRepository()).setCommit(second).setPath("shared/")
                .setRootFolderTitle(ROOT).setPrevious(before).call();

        assertThat(after.commit()).isEqualTo(second);
        assertThat(after.dashboardsByUid().get("memory")).isSameAs(before.dashboardsByUid().get("memory"));
        assertThat(after.dashboardsByUid().get("cpu").title()).isEqualTo("CPU renamed");
        assertThat(after).isEqualTo(read(second));
    }

    @Test
    void instanceScopeMakesTheRootGeneralAndItsDirectoriesTopLevelFolders() throws Exception {
        ObjectId c = repo.write("shared/home.json", "{\"uid\":\"home\",\"title\":\"Home\"}")
                .write("shared/team-a/cpu.json", "{\"uid\":\"cpu\",\"title\":\"CPU\"}")
                .write("shared/_folder.json", """
                        {"apiVersion": "folder.grafana.app/v1beta1", "kind": "Folder",
                         "metadata": {"name": "pinned-root"}, "spec": {"title": "Root"}}
                        """).commitAndPush("instance");

        DesiredState s = new ReadDesiredState(repo.workRepository()).setCommit(c).setPath("shared/")
                .setRootFolderTitle(ROOT).setScope(SyncScope.INSTANCE).call();

        assertThat(s.rootFolderUid()).isEmpty();
        assertThat(s.dashboard("home").orElseThrow().folderUid()).isEmpty();
        DesiredFolder team = s.folders().stream().filter(f -> f.directory().equals("team-a")).findFirst()
                .orElseThrow();
        assertThat(team.uid()).isEqualTo(FolderUids.derive(ROOT, "team-a"));
        assertThat(team.parentUid()).contains("");
        assertThat(s.dashboard("cpu").orElseThrow().folderUid()).isEqualTo(team.uid());
        assertThat(s.errors()).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("shared/_folder.json");
            assertThat(e.message()).contains("General");
            assertThat(e.holdsDeletes()).isFalse();
        });
    }
}
