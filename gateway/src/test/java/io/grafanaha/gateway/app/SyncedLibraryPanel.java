package io.grafanaha.gateway.app;

import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.demo.Rig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A failover rig whose Git holds one library panel ({@code lib-cpu}) and a dashboard using it ({@code cpu}), started
 * with its gateway and waited for until both instances hold both and both are routable.
 */
final class SyncedLibraryPanel {
    static final String PANEL = """
            {"uid": "lib-cpu", "name": "CPU panel", "kind": 1, "model": {"type": "timeseries", "title": "CPU"}}
            """;
    static final String USES_IT = """
            {"uid": "cpu", "title": "CPU", "schemaVersion": 39,
             "panels": [{"id": 1, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}, "libraryPanel": {"uid": "lib-cpu"}}]}
            """;

    private SyncedLibraryPanel() {
    }

    static Rig start(Path dir) {
        Rig rig = Rig.builder(dir).seedFiles(Map.of("library-panels/cpu.json", PANEL, "team-a/cpu.json", USES_IT))
                .mode("failover").settings(Rig.FAST_HEALTH).syncSettings("interval: 1s\npoll-interval: 200ms").start();
        Gateway gateway = rig.startGateway();
        await().atMost(Duration.ofSeconds(20)).until(() -> rig.a().dashboard("cpu").isPresent()
                && rig.b().dashboard("cpu").isPresent()
                && gateway.health().status().backends().stream().allMatch(s -> s.routable()));
        return rig;
    }
}
