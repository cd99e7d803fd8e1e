package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.git.GitWorkspace;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Library panels through the gateway: Git's panels reach both instances before the dashboards using them, so the
 * replica renders them after a failover; an edit on one instance reaches Git and the other; a dashboard using a
 * panel Git lacks is reported, not applied.
 */
class LibraryPanelGatewayTest {
    @TempDir
    Path dir;

    private Rig rig;
    private RemoteRepo repo;
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private Gateway gateway;

    @BeforeEach
    void start() {
        rig = SyncedLibraryPanel.start(dir);
        repo = rig.repo();
        a = rig.a();
        b = rig.b();
        gateway = rig.gateway();
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    @Test
    void theReplicaHoldsThePanelSoTheDashboardRendersAfterAFailover() {
        assertThat(b.libraryElements()).containsOnlyKeys("lib-cpu");
        a.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.active().equals(Optional.of(Rig.REPLICA)));

        assertThat(b.renderErrors("cpu")).isEmpty();
    }

    @Test
    void aPanelEditedOnThePrimaryReachesGitAndTheReplica() throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(() -> gateway.writeBack().orElseThrow().status().polls() >= 2);
        a.updateLibraryElement("lib-cpu", "CPU panel",
                (ObjectNode) new ObjectMapper().readTree("{\"type\": \"stat\", \"title\": \"CPU\"}"));

        await().atMost(Duration.ofSeconds(20)).until(() -> repo.readFile("main", "shared/library-panels/cpu.json")
                .orElse("").contains("stat"));
        await().atMost(Duration.ofSeconds(20)).until(() -> b.libraryElements().get("lib-cpu").type().equals("stat"));
    }

    @Test
    void aDashboardUsingAPanelGitLacksIsReportedAndNotApplied() throws Exception {
        try (GitWorkspace ws = repo.cloneTo(dir.resolve("ws"))) {
            ws.writeFile("shared/disk.json", SyncedLibraryPanel.USES_IT.replace("\"cpu\"", "\"disk\"").replace("lib-cpu", "lib-disk"));
            ws.commitAndPush("disk uses a panel Git lacks");
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> gateway.sync().orElseThrow().status().fileErrors().stream()
                .anyMatch(e -> e.path().equals("shared/disk.json") && e.message().contains("lib-disk")));
        assertThat(a.dashboard("disk")).isEmpty();
        assertThat(b.dashboard("disk")).isEmpty();
    }
}
