package io.grafanaha.sync;

import static io.grafanaha.sync.SyncFixture.dashboard;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.sync.freshness.BackendSyncStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Freshness as the failback gate sees it, through the sync service against two emulators. */
class SyncFreshnessTest {
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
    void afterAPassBothBackendsAreFreshAtTheHead() throws Exception {
        String head = fx.push("add cpu", "shared/cpu.json", dashboard("cpu", "CPU"));
        SyncService sync = fx.service();
        assertThat(sync.isFresh("grafana-a")).isFalse();
        assertThat(sync.status().backends().get("grafana-a").lagCommits()).isEqualTo(-1);

        sync.requestSync("test").get(10, TimeUnit.SECONDS);

        SyncStatus status = sync.status();
        assertThat(status.git().head()).contains(head);
        assertThat(status.git().headSubject()).contains("add cpu");
        assertThat(status.backends().values()).allSatisfy(s -> {
            assertThat(s.fresh()).isTrue();
            assertThat(s.appliedCommit()).contains(head);
            assertThat(s.lagCommits()).isZero();
            assertThat(s.lastSync()).isPresent();
            assertThat(s.lastError()).isEmpty();
            assertThat(s.dashboards()).isEqualTo(1);
            assertThat(s.drift()).isZero();
        });
        assertThat(sync.isFresh("grafana-a")).isTrue();
        assertThat(sync.isFresh("grafana-b")).isTrue();
    }

    @Test
    void aDeleteHeldBackByAFileWithoutUidLeavesTheBackendStaleNamingTheFile() throws Exception {
        fx.push("add two", "shared/cpu.json", dashboard("cpu", "CPU"), "shared/mem.json", dashboard("mem", "Memory"));
        SyncService sync = fx.service();
        sync.requestSync("test").get(10, TimeUnit.SECONDS);
        fx.workspace.deleteFile("shared/mem.json");
        fx.push("drop mem, add a file without a uid", "shared/nouid.json", "{\"title\":\"No uid\",\"panels\":[]}");

        sync.requestSync("test").get(10, TimeUnit.SECONDS);

        assertThat(fx.a.dashboard("mem")).as("the delete is held back").isPresent();
        assertThat(sync.status().backends().values()).allSatisfy(s -> {
            assertThat(s.fresh()).as("the backend does not hold what Git says").isFalse();
            assertThat(s.lastError()).hasValueSatisfying(e -> assertThat(e).contains("mem")
                    .contains("shared/nouid.json"));
        });
        assertThat(sync.isFresh("grafana-a")).isFalse();
    }

    @Test
    void aNewCommitMakesThemStaleWithLagOneUntilTheNextPass() throws Exception {
        fx.push("add cpu", "shared/cpu.json", dashboard("cpu", "CPU"));
        SyncService sync = fx.service();
        sync.requestSync("test").get(10, TimeUnit.SECONDS);

        String second = fx.push("add mem", "shared/mem.json", dashboard("mem", "Memory"));
        sync.plan(); // fetches the new head without writing

        assertThat(sync.status().backends().values()).allSatisfy(s -> {
            assertThat(s.fresh()).isFalse();
            assertThat(s.lagCommits()).isEqualTo(1);
        });
        assertThat(sync.isFresh("grafana-a")).isFalse();

        sync.requestSync("test").get(10, TimeUnit.SECONDS);

        assertThat(sync.status().backends().values()).allSatisfy(s -> {
            assertThat(s.fresh()).isTrue();
            assertThat(s.lagCommits()).isZero();
            assertThat(s.appliedCommit()).contains(second);
        });
    }

    @Test
    void aBackendThatIsDownIsNotFreshUntilSyncedAfterItComesBack() throws Exception {
        fx.push("add cpu", "shared/cpu.json", dashboard("cpu", "CPU"));
        SyncService sync = fx.service();
        sync.requestSync("test").get(10, TimeUnit.SECONDS);

        fx.b.stop();
        sync.markStale("grafana-b");
        assertThat(sync.isFresh("grafana-b")).isFalse();
        fx.push("add mem", "shared/mem.json", dashboard("mem", "Memory"));
        sync.requestSync("test").get(10, TimeUnit.SECONDS);

        BackendSyncStatus down = sync.status().backends().get("grafana-b");
        assertThat(down.fresh()).isFalse();
        assertThat(down.lastError()).get().asString().contains("grafana-b");
        assertThat(down.errors()).containsEntry("read", 1L);
        assertThat(down.lagCommits()).isEqualTo(1);
        assertThat(sync.isFresh("grafana-a")).isTrue();

        fx.b.restart();
        assertThat(sync.isFresh("grafana-b")).isFalse();
        sync.syncBackend("grafana-b").get(10, TimeUnit.SECONDS);

        assertThat(sync.isFresh("grafana-b")).isTrue();
        assertThat(sync.status().backends().get("grafana-b").lastError()).isEmpty();
        assertThat(fx.b.dashboards()).containsOnlyKeys("cpu", "mem");
    }

    @Test
    void theAppliedCommitSurvivesARestartButFreshnessStartsFalse() throws Exception {
        String head = fx.push("add cpu", "shared/cpu.json", dashboard("cpu", "CPU"));
        SyncService first = fx.service();
        first.requestSync("test").get(10, TimeUnit.SECONDS);
        first.close();
        assertThat(Files.readString(tmp.resolve("data/state/grafana-a.json"))).contains(head);

        SyncService second = fx.service();

        BackendSyncStatus a = second.status().backends().get("grafana-a");
        assertThat(a.appliedCommit()).contains(head);
        assertThat(a.lagCommits()).isZero();
        assertThat(a.lastSync()).isPresent();
        assertThat(a.fresh()).isFalse();
        assertThat(second.isFresh("grafana-a")).isFalse();

        long saves = fx.a.requestCount("/api/dashboards/db");
        second.requestSync("test").get(10, TimeUnit.SECONDS);
        assertThat(second.isFresh("grafana-a")).isTrue();
        assertThat(fx.a.requestCount("/api/dashboards/db")).isEqualTo(saves);
    }

    @Test
    void aBackendMarkedStaleDuringAPassIsNotFreshAfterIt() throws Exception {
        fx.push("add cpu", "shared/cpu.json", dashboard("cpu", "CPU"));
        SyncService sync = fx.service();
        fx.b.delay(Duration.ofMillis(100));

        CompletableFuture<Void> pass = sync.requestSync("test");
        await().atMost(Duration.ofSeconds(10)).until(() -> fx.b.requestCount() > 0);
        sync.markStale("grafana-b");
        pass.get(10, TimeUnit.SECONDS);

        assertThat(sync.isFresh("grafana-a")).isTrue();
        assertThat(sync.isFresh("grafana-b")).isFalse();
        assertThat(sync.status().backends().get("grafana-b").appliedCommit()).isPresent();
    }
}
