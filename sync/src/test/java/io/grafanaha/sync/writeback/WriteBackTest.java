package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackFixture.CPU;
import static io.grafanaha.sync.writeback.WriteBackFixture.NET;
import static io.grafanaha.sync.writeback.WriteBackFixture.pass;
import static io.grafanaha.sync.writeback.WriteBackFixture.saved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.grafana.HttpGrafanaClient;
import io.grafanaha.testkit.git.CommitInfo;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Edits on one Grafana emulator reach Git (over smart HTTP) and the other emulator. */
class WriteBackTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir Path tmp;
    WriteBackFixture fx;
    SyncService sync;
    WriteBack writeBack;

    @BeforeEach
    void setUp() throws Exception {
        fx = new WriteBackFixture(tmp);
        sync = fx.sync(fx.settings("data"));
        pass(sync);
        writeBack = fx.writeBack(sync);
        writeBack.start();
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private String folderOf(String uid) {
        return fx.a.dashboard(uid).orElseThrow().folderUid();
    }

    @Test
    void aSaveOnAReachesGitWithOnlyTheChangedKeyAndThenB() throws Exception {
        ObjectNode cpu = fx.a.dashboard("cpu").orElseThrow().json();
        cpu.put("refresh", "1m");
        fx.a.putDashboard(cpu, folderOf("cpu"), "faster refresh", "alice");

        writeBack.capture(saved("grafana-a", "cpu", "alice"));

        String expected = CPU.replace("\"refresh\": \"30s\"", "\"refresh\": \"1m\"");
        await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").orElseThrow().equals(expected));
        CommitInfo last = fx.repo.log().get(0);
        assertThat(last.shortMessage()).isEqualTo("Update dashboard \"CPU\" from grafana-a");
        try (var g = org.eclipse.jgit.api.Git.open(fx.repo.bareDir().toFile())) {
            var c = g.log().setMaxCount(1).call().iterator().next();
            assertThat(c.getAuthorIdent().getName()).isEqualTo("alice");
            assertThat(c.getAuthorIdent().getEmailAddress()).isEqualTo("alice@grafana.invalid");
            assertThat(c.getCommitterIdent().getName()).isEqualTo("Grafana HA Gateway");
        }
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(fx.b.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("1m"));
        assertThat(writeBack.status().commits()).isEqualTo(1);
        await().atMost(WAIT).until(() -> writeBack.status().backlog() == 0);
    }

    @Test
    void aYamlResourceKeepsItsFormatAndKeyOrder() throws Exception {
        ObjectNode net = fx.b.dashboard("net").orElseThrow().json();
        net.put("refresh", "5m");
        fx.b.putDashboard(net, fx.b.dashboard("net").orElseThrow().folderUid(), "", "bob");

        writeBack.capture(saved("grafana-b", "net", "bob"));

        String expected = NET.replace("refresh: 30s", "refresh: 5m");
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(fx.gitFile("shared/team/net.yaml")).contains(expected));
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(fx.a.dashboard("net").orElseThrow().json().path("refresh").asText()).isEqualTo("5m"));
    }

    @Test
    void aDeleteRemovesTheFile() throws Exception {
        HttpGrafanaClient.create("grafana-a", URI.create(fx.a.url()), fx.a.token()).deleteDashboard("cpu");

        writeBack.capture(CapturedEdit.dashboardDeleted("grafana-a", "cpu", Optional.of("alice"), Instant.now()));

        await().atMost(WAIT).until(() -> fx.gitFile("shared/cpu.json").isEmpty());
        assertThat(fx.repo.log().get(0).shortMessage()).isEqualTo("Delete dashboard \"CPU\" from grafana-a");
        await().atMost(WAIT).until(() -> fx.b.dashboard("cpu").isEmpty());
    }

    @Test
    void aNewDashboardInASubFolderLandsAtItsSlug() throws Exception {
        String team = fx.a.dashboard("net").orElseThrow().folderUid();
        ObjectNode disk = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("uid", "disk").put("title", "Disk I/O & Latency").put("schemaVersion", 39);
        disk.putArray("panels");
        fx.a.putDashboard(disk, team, "", "alice");

        writeBack.capture(saved("grafana-a", "disk", "alice"));

        await().atMost(WAIT).until(() -> fx.gitFile("shared/team/disk-i-o-latency.json").isPresent());
        assertThat(fx.gitFile("shared/team/disk-i-o-latency.json").orElseThrow())
                .isEqualTo("{\n  \"uid\": \"disk\",\n  \"title\": \"Disk I/O & Latency\",\n  \"schemaVersion\": 39,\n"
                        + "  \"panels\": []\n}\n");
        assertThat(fx.repo.log().get(0).shortMessage())
                .isEqualTo("Create dashboard \"Disk I/O & Latency\" from grafana-a");
        await().atMost(WAIT).until(() -> fx.b.dashboard("disk").map(d -> d.folderUid().equals(team)).orElse(false));
    }

    @Test
    void aDashboardOutsideTheManagedTreeIsIgnored() throws Exception {
        ObjectNode mine = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("uid", "mine").put("title", "Mine");
        fx.a.putDashboard(mine, "", "", "alice");
        String before = fx.repo.head().orElseThrow();

        writeBack.capture(saved("grafana-a", "mine", "alice"));

        await().atMost(WAIT).until(() -> fx.events.stream().anyMatch(e -> e instanceof WriteBackEvent.Skipped));
        assertThat(fx.repo.head()).contains(before);
    }
}
