package io.grafanaha.sync.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.sync.actual.ManagedTree;
import io.grafanaha.sync.RemoteRepo;
import io.grafanaha.sync.TestSyncThreads;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.ReadDesiredState;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.git.GitCredentials;
import io.grafanaha.sync.git.GitMirror;
import io.grafanaha.sync.git.GitSource;
import io.grafanaha.sync.grafana.HttpGrafanaClient;
import io.grafanaha.sync.plan.DeleteLimit;
import io.grafanaha.sync.plan.Plan;
import io.grafanaha.sync.plan.PlanOperation;
import io.grafanaha.sync.plan.PlanResult;
import io.grafanaha.sync.plan.PlanSync;
import io.grafanaha.sync.schedule.Scheduler;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Applying plans to the testkit's Grafana emulator over real HTTP. */
class ApplyPlanTest {
    static final RetryPolicy FAST_RETRY = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50));

    @TempDir Path tmp;
    RemoteRepo remote;
    GitMirror mirror;
    GrafanaEmulator grafana;
    HttpGrafanaClient client;
    final TestSyncThreads threads = new TestSyncThreads();

    @BeforeEach
    void setUp() throws Exception {
        remote = RemoteRepo.create(tmp.resolve("remote"));
        mirror = GitMirror.open(tmp.resolve("data"), new GitSource(remote.url(), "main", GitCredentials.none()));
        grafana = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
        client = HttpGrafanaClient.create("grafana-a", URI.create(grafana.url()), grafana.token());
    }

    @AfterEach
    void tearDown() {
        threads.close();
        grafana.close();
        mirror.close();
        remote.close();
    }

    @Test
    void createsParentFoldersBeforeChildrenAndDeletesChildrenFirst() throws Exception {
        remote.write("shared/team-a/nested/deep/a.json", dashboard("a", "A"))
                .write("shared/team-b/b.json", dashboard("b", "B"))
                .commitAndPush("nested");
        ApplyResult result = apply(FAST_RETRY, 4);

        assertThat(result.succeeded()).isTrue();
        List<String> folderCreates = result.applied().stream().filter(PlanOperation.CreateFolder.class::isInstance)
                .map(op -> ((PlanOperation.CreateFolder) op).title()).toList();
        assertThat(folderCreates).containsSubsequence("grafana-manifests", "team-a", "nested", "deep");
        assertThat(grafana.dashboard("a").orElseThrow().folderUid())
                .isEqualTo(titled("deep"));
        assertThat(grafana.folders().get(titled("deep")).parentUid()).isEqualTo(titled("nested"));
        assertThat(grafana.versions("a")).extracting(v -> v.message()).last().asString().startsWith("git-sync ");

        remote.delete("shared/team-a/nested/deep/a.json").commitAndPush("remove a");
        ApplyResult removal = apply(FAST_RETRY, 4);
        assertThat(removal.succeeded()).isTrue();
        List<String> folderDeletes = removal.applied().stream().filter(PlanOperation.DeleteFolder.class::isInstance)
                .map(op -> ((PlanOperation.DeleteFolder) op).title()).toList();
        assertThat(folderDeletes).containsExactly("deep", "nested", "team-a");
        assertThat(grafana.dashboards()).containsOnlyKeys("b");
    }

    @Test
    void oneFailingDashboardDoesNotStopTheOthersAndIsReported() throws Exception {
        remote.write("shared/a.json", dashboard("a", "A"))
                .write("shared/b.json", dashboard("b", "B"))
                .write("shared/c.json", dashboard("c", "C"))
                .commitAndPush("three");
        mirror.fetch();
        Plan plan = ((PlanResult.Ready) plan()).plan();
        assertThat(applyPlan(only(plan, true)).call().succeeded()).isTrue();
        grafana.inject5xx(500, 1);
        // One at a time, so the injected 500 hits the first save (a.json) and nothing else.
        ApplyResult result = applyPlan(only(plan, false)).setRetryPolicy(RetryPolicy.none())
                .setConcurrency(1).call();

        assertThat(result.failures()).singleElement().satisfies(f -> {
            assertThat(f.backend()).isEqualTo("grafana-a");
            assertThat(f.subject()).isEqualTo("dashboard a (shared/a.json)");
            assertThat(f.cause()).contains("HTTP 500");
            assertThat(f.message()).startsWith("grafana-a: dashboard a (shared/a.json): ");
        });
        assertThat(result.count(PlanOperation.CreateDashboard.class)).isEqualTo(2);
        assertThat(grafana.dashboards()).containsOnlyKeys("b", "c");
    }

    @Test
    void aTransient503IsRetried() throws Exception {
        remote.write("shared/a.json", dashboard("a", "A")).commitAndPush("one");
        mirror.fetch();
        Plan plan = ((PlanResult.Ready) plan()).plan();
        grafana.inject5xx(503, 2);

        ApplyResult result = applyPlan(plan).setRetryPolicy(FAST_RETRY).call();

        assertThat(result.succeeded()).isTrue();
        assertThat(grafana.dashboards()).containsOnlyKeys("a");
    }

    @Test
    void theWaitsBetweenAttemptsAreThePolicysBackoffTimedByTheScheduler() throws Exception {
        remote.write("shared/a.json", dashboard("a", "A")).commitAndPush("one");
        mirror.fetch();
        Plan plan = ((PlanResult.Ready) plan()).plan();
        grafana.inject5xx(503, 2);
        List<Duration> waits = new CopyOnWriteArrayList<>();
        Scheduler noWaiting = (task, delay) -> {
            waits.add(delay);
            task.run();
            return () -> {};
        };

        ApplyResult result = new ApplyPlan(client, plan, head()).setRetryPolicy(FAST_RETRY).setScheduler(noWaiting)
                .call();

        assertThat(result.succeeded()).isTrue();
        assertThat(waits).containsExactly(Duration.ofMillis(10), Duration.ofMillis(20));
    }

    @Test
    void aUserSaveBetweenThePlansReadAndItsWriteIsNeverOverwritten() throws Exception {
        remote.write("shared/a.json", dashboard("a", "A")).commitAndPush("one");
        assertThat(apply(FAST_RETRY, 4).succeeded()).isTrue();
        remote.write("shared/a.json", dashboard("a", "A from Git")).commitAndPush("two");
        mirror.fetch();
        Plan plan = ((PlanResult.Ready) plan()).plan();
        assertThat(plan.count(PlanOperation.UpdateDashboard.class)).isEqualTo(1);

        // A user saves in Grafana after the plan read version 1, before the sync writes.
        var edited = grafana.dashboard("a").orElseThrow().json();
        edited.put("title", "A from the user");
        grafana.putDashboard(edited, grafana.dashboard("a").orElseThrow().folderUid(), "user edit", "alice");
        ApplyResult result = applyPlan(plan).setRetryPolicy(FAST_RETRY).call();

        assertThat(grafana.dashboard("a").orElseThrow().title()).as("the user's save stands").isEqualTo("A from the user");
        assertThat(result.failures()).singleElement().satisfies(f -> assertThat(f.cause()).contains("changed on the backend"));
    }

    @Test
    void nothingIsWrittenWhenNothingChanged() throws Exception {
        remote.write("shared/a.json", dashboard("a", "A")).commitAndPush("one");
        assertThat(apply(FAST_RETRY, 4).succeeded()).isTrue();
        int versions = grafana.versions("a").size();
        long saves = grafana.requestCount("/api/dashboards/db");
        var folders = grafana.folders();

        ApplyResult again = apply(FAST_RETRY, 4);

        assertThat(again.applied()).isEmpty();
        assertThat(grafana.versions("a")).hasSize(versions);
        assertThat(grafana.requestCount("/api/dashboards/db")).isEqualTo(saves);
        assertThat(grafana.folders()).isEqualTo(folders);
    }

    private ApplyResult apply(RetryPolicy retry, int concurrency) throws Exception {
        mirror.fetch();
        PlanResult planned = plan();
        assertThat(planned).isInstanceOf(PlanResult.Ready.class);
        return applyPlan(((PlanResult.Ready) planned).plan()).setRetryPolicy(retry)
                .setConcurrency(concurrency).call();
    }

    /** As the sync applies: dashboard calls on the apply threads, waits between retries on the timer. */
    private ApplyPlan applyPlan(Plan plan) {
        return new ApplyPlan(client, plan, head()).setExecutor(threads.sync().apply()).setScheduler(threads.timer());
    }

    private PlanResult plan() throws Exception {
        DesiredState desired = new ReadDesiredState(mirror.repository()).setCommit(head().id()).setPath("shared")
                .setRootFolderTitle("grafana-manifests").call();
        return new PlanSync(desired, new ManagedTree(client).read(desired.rootFolderUid(), desired.dashboardsByUid().keySet()))
                .setDeleteLimit(DeleteLimit.unlimited()).call();
    }

    private static Plan only(Plan plan, boolean folders) {
        return new Plan(plan.backend(), plan.commit(), plan.operations().stream()
                .filter(op -> (op instanceof PlanOperation.CreateFolder) == folders).toList(), List.of());
    }

    private CommitInfo head() {
        return mirror.head().orElseThrow();
    }

    private String titled(String title) {
        return grafana.folders().values().stream().filter(f -> f.title().equals(title)).findFirst().orElseThrow()
                .uid();
    }

    static String dashboard(String uid, String title) {
        return "{\"uid\":\"" + uid + "\",\"title\":\"" + title + "\",\"panels\":[],\"schemaVersion\":39}";
    }
}
