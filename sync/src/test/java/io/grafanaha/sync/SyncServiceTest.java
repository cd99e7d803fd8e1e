package io.grafanaha.sync;

import static io.grafanaha.sync.SyncFixture.dashboard;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.freshness.BackendSyncStatus;
import io.grafanaha.sync.plan.DeleteLimit;
import io.grafanaha.sync.plan.PlanResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sync service against a Git server and two Grafana emulators on loopback. */
class SyncServiceTest {
    @TempDir Path tmp;
    SyncFixture fx;

    @BeforeEach
    void setUp() {
        fx = new SyncFixture(tmp);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    @Test
    void anIntervalPassPicksUpAPushedCommit() throws Exception {
        SyncService sync = fx.service(fx.settings().withInterval(Duration.ofMillis(200)));
        sync.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> sync.status().passes() >= 1);

        fx.push("add cpu", "shared/cpu.json", dashboard("cpu", "CPU"));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(fx.a.dashboards()).containsKey("cpu");
            assertThat(fx.b.dashboards()).containsKey("cpu");
        });
    }

    @Test
    void requestsDuringAPassCoalesceIntoExactlyOneMorePass() throws Exception {
        fx.push("add cpu", "shared/cpu.json", dashboard("cpu", "CPU"));
        SyncService sync = fx.service();
        fx.a.delay(Duration.ofMillis(50));

        CompletableFuture<Void> first = sync.requestSync("first");
        List<CompletableFuture<Void>> more = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            more.add(sync.requestSync("burst " + i));
        }
        CompletableFuture.allOf(more.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);

        assertThat(first).isDone();
        assertThat(sync.status().passes()).isEqualTo(2);
        assertThat(fx.a.versions("cpu")).hasSize(1);
    }

    @Test
    void gitUnavailableKeepsTheBackendsAndRecoversWhenItIsBack() throws Exception {
        fx.push("add cpu", "shared/cpu.json", dashboard("cpu", "CPU"));
        SyncService sync = fx.service();
        sync.requestSync("test").get(10, TimeUnit.SECONDS);
        String firstHead = sync.status().git().head().orElseThrow();

        String second = fx.push("add mem", "shared/mem.json", dashboard("mem", "Memory"));
        fx.git.unavailable(true);
        sync.requestSync("test").get(10, TimeUnit.SECONDS);

        SyncStatus down = sync.status();
        assertThat(down.git().lastError()).get().asString().contains("grafana-manifests");
        assertThat(down.git().head()).contains(firstHead);
        assertThat(down.git().fetchFailures()).isPositive();
        assertThat(fx.events).anySatisfy(e -> assertThat(e).isInstanceOf(SyncEvent.FetchFailed.class));
        assertThat(fx.a.dashboards()).containsOnlyKeys("cpu");
        assertThat(fx.b.dashboards()).containsOnlyKeys("cpu");

        fx.git.unavailable(false);
        sync.requestSync("test").get(10, TimeUnit.SECONDS);

        SyncStatus up = sync.status();
        assertThat(up.git().lastError()).isEmpty();
        assertThat(up.git().head()).contains(second);
        assertThat(up.git().lastFetch()).isPresent();
        assertThat(fx.a.dashboards()).containsOnlyKeys("cpu", "mem");
        assertThat(up.backends().values()).allSatisfy(s -> assertThat(s.fresh()).isTrue());
    }

    @Test
    void aPassOverTheDeleteLimitIsRefusedAndDeletesNothing() throws Exception {
        fx.push("three", "shared/a.json", dashboard("a", "A"), "shared/b.json", dashboard("b", "B"),
                "shared/c.json", dashboard("c", "C"));
        SyncService sync = fx.service(fx.settings().withDeleteLimit(DeleteLimit.count(1)));
        sync.requestSync("test").get(10, TimeUnit.SECONDS);
        assertThat(fx.a.dashboards()).hasSize(3);

        fx.workspace.deleteFile("shared/a.json").deleteFile("shared/b.json");
        fx.workspace.commitAndPush("remove two");
        sync.requestSync("test").get(10, TimeUnit.SECONDS);

        assertThat(fx.a.dashboards()).hasSize(3);
        assertThat(fx.b.dashboards()).hasSize(3);
        BackendSyncStatus a = sync.status().backends().get("grafana-a");
        assertThat(a.fresh()).isFalse();
        assertThat(a.lastError()).get().asString().contains("grafana-a").contains("max-deletes");
        assertThat(a.errors()).containsEntry("delete-limit", 1L);
        assertThat(fx.events).filteredOn(SyncEvent.DeleteLimitRefused.class::isInstance).hasSize(2);
    }

    @Test
    void anEditMadeInGrafanaIsDriftAndIsReplacedAtTheNextPass() throws Exception {
        fx.push("add cpu", "shared/cpu.json", dashboard("cpu", "CPU"));
        SyncService sync = fx.service();
        sync.requestSync("test").get(10, TimeUnit.SECONDS);
        ObjectNode edited = fx.a.dashboard("cpu").orElseThrow().json();
        edited.put("title", "CPU edited in the UI");
        fx.a.putDashboard(edited, fx.a.dashboard("cpu").orElseThrow().folderUid());

        sync.requestSync("test").get(10, TimeUnit.SECONDS);

        assertThat(sync.status().backends().get("grafana-a").drift()).isEqualTo(1);
        assertThat(sync.status().backends().get("grafana-b").drift()).isZero();
        assertThat(fx.a.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU");
        assertThat(sync.isFresh("grafana-a")).isTrue();
        assertThat(fx.events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(SyncEvent.BackendSynced.class,
                s -> assertThat(s.backend().equals("grafana-a") && s.drift() == 1 && s.updated() == 1).isTrue()));
    }

    @Test
    void aPassForAChangeInGitAsksOnlyAboutTheChangedDashboardAndAFullPassStillFindsDrift() throws Exception {
        for (int i = 1; i <= 20; i++) {
            fx.push("add d" + i, "shared/d" + i + ".json", dashboard("d" + i, "D" + i));
        }
        SyncService sync = fx.service();
        sync.requestSync("test").get(10, TimeUnit.SECONDS);
        sync.requestSync("test").get(10, TimeUnit.SECONDS); // every dashboard is now known to hold its file
        ObjectNode edited = fx.a.dashboard("d2").orElseThrow().json();
        edited.put("title", "D2 edited in the UI");
        fx.a.putDashboard(edited, fx.a.dashboard("d2").orElseThrow().folderUid());
        fx.push("retitle d1", "shared/d1.json", dashboard("d1", "D1 renamed"));
        long asked = versionRequests();

        sync.requestSyncOfChange("webhook").get(10, TimeUnit.SECONDS);

        assertThat(fx.a.dashboard("d1").orElseThrow().title()).isEqualTo("D1 renamed");
        assertThat(fx.b.dashboard("d1").orElseThrow().title()).isEqualTo("D1 renamed");
        assertThat(versionRequests() - asked).as("version checks: at most the one changed file, per backend")
                .isLessThanOrEqualTo(2);
        assertThat(fx.a.dashboard("d2").orElseThrow().title()).as("not looked at").isEqualTo("D2 edited in the UI");

        asked = versionRequests();
        long listed = listings();
        sync.requestSync("interval").get(10, TimeUnit.SECONDS);

        assertThat(listings() - listed).as("a full pass lists every dashboard's version, once per backend")
                .isEqualTo(2);
        assertThat(versionRequests() - asked).as("and asks only about the one whose version moved").isEqualTo(1);
        assertThat(fx.a.dashboard("d2").orElseThrow().title()).as("drift replaced").isEqualTo("D2");
    }

    /** Grafana 12's dashboard list (one page here), on both backends. */
    private long listings() {
        String list = "/apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards";
        return fx.a.requestCount(list) + fx.b.requestCount(list);
    }

    private long versionRequests() {
        long n = 0;
        for (int i = 1; i <= 20; i++) {
            n += fx.a.requestCount("/api/dashboards/uid/d" + i + "/versions")
                    + fx.b.requestCount("/api/dashboards/uid/d" + i + "/versions");
        }
        return n;
    }

    @Test
    void aBackendWhosePassFailedIsTriedAgainWithinSecondsNotAtTheNextInterval() throws Exception {
        fx.push("add cpu", "shared/cpu.json", dashboard("cpu", "CPU"));
        SyncService sync = fx.service(fx.settings().withInterval(Duration.ofMinutes(10)));
        fx.b.inject5xx(503, 1); // e.g. a Grafana back from an outage whose API is not ready yet

        sync.requestSync("test").get(10, TimeUnit.SECONDS);
        assertThat(sync.isFresh("grafana-b")).as("its pass failed").isFalse();

        await().atMost(Duration.ofSeconds(10)).until(() -> sync.isFresh("grafana-b"));
        assertThat(fx.b.dashboards()).containsKey("cpu");
    }

    @Test
    void dryRunPlansEveryBackendAndWritesNothing() throws Exception {
        fx.push("add cpu", "shared/cpu.json", dashboard("cpu", "CPU"));
        SyncService sync = fx.service();

        var plans = sync.plan();

        assertThat(plans).containsOnlyKeys("grafana-a", "grafana-b");
        assertThat(plans.get("grafana-a")).isInstanceOfSatisfying(PlanResult.Ready.class,
                r -> assertThat(r.plan().operations()).hasSize(2));
        assertThat(fx.a.dashboards()).isEmpty();
        assertThat(fx.a.folders()).isEmpty();
    }

    @Test
    void skippedFilesAreReportedByPathAndTheRestIsSynced() throws Exception {
        fx.push("one good, one broken", "shared/cpu.json", dashboard("cpu", "CPU"), "shared/broken.json", "{\"uid\":");
        SyncService sync = fx.service();

        sync.requestSync("test").get(10, TimeUnit.SECONDS);

        assertThat(sync.status().fileErrors()).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("shared/broken.json");
            assertThat(e.message()).startsWith("shared/broken.json: ");
        });
        assertThat(fx.events).anySatisfy(e -> assertThat(e).isInstanceOf(SyncEvent.FileErrors.class));
        assertThat(fx.a.dashboards()).containsOnlyKeys("cpu");
    }

    @Test
    void aFailedFetchIsRetriedSoonerThanTheInterval() throws Exception {
        fx.push("add cpu", "shared/cpu.json", dashboard("cpu", "CPU"));
        fx.git.unavailable(true);
        SyncService sync = fx.service(); // interval 10 minutes
        sync.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> sync.status().git().lastError().isPresent());
        assertThat(sync.status().git().head()).isEmpty();

        fx.git.unavailable(false);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(sync.isFresh("grafana-a")).isTrue();
            assertThat(fx.b.dashboards()).containsKey("cpu");
        });
        assertThat(sync.status().git().lastError()).isEmpty();
    }
}
