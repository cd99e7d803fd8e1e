package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * A rig where the same Git-synced dashboard has different ids and versions on the two instances, as without a
 * shared database: Git holds cpu.json; the primary already held two other dashboards and has saved cpu twice more
 * with the same content. And the requests Grafana's UI sends for it through the front door.
 */
final class DivergedCopies {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CPU_FILE = "shared/team-a/cpu.json";

    private DivergedCopies() {
    }

    /** Starts the rig and its gateway ({@code settings}: YAML after the backends) and makes the copies diverge. */
    static Rig start(Path dir, String mode, String settings) {
        return start(dir, mode, Rig.FAST_HEALTH, settings);
    }

    /** As {@link #start(Path, String, String)} with the {@code health:} section {@code health}. */
    static Rig start(Path dir, String mode, String health, String settings) {
        Rig rig = Rig.builder(dir).seedFiles(Map.of("team-a/cpu.json", EditingRig.CPU)).mode(mode)
                .settings(health + settings).syncSettings("interval: 1s\npoll-interval: 1s").start();
        GrafanaEmulator a = rig.a();
        GrafanaEmulator b = rig.b();
        for (String uid : new String[] {"older-1", "older-2"}) {
            a.putDashboard((ObjectNode) JSON.createObjectNode().put("uid", uid).put("title", uid), "");
        }
        Gateway gateway = rig.startGateway();
        await().atMost(Duration.ofSeconds(15)).until(() -> a.dashboard("cpu").isPresent() && b.dashboard("cpu").isPresent()
                && gateway.health().status().backends().stream().allMatch(s -> s.routable()));
        for (int i = 0; i < 2; i++) {
            var cpu = a.dashboard("cpu").orElseThrow();
            a.putDashboard(cpu.json(), cpu.folderUid());
        }
        assertThat(a.dashboard("cpu").orElseThrow().version()).isNotEqualTo(b.dashboard("cpu").orElseThrow().version());
        return rig;
    }

    /** The body of the save Grafana's UI sends: the dashboard as loaded (its id and version), retitled; the folder. */
    static String saveBody(JsonNode loaded, String title, boolean overwrite) {
        ObjectNode dashboard = loaded.get("dashboard").deepCopy();
        dashboard.put("title", title);
        ObjectNode body = JSON.createObjectNode();
        body.set("dashboard", dashboard);
        body.put("folderUid", loaded.path("meta").path("folderUid").asText());
        body.put("message", "tuned");
        body.put("overwrite", overwrite);
        return body.toString();
    }

    /** A request through the gateway's front door, with Grafana's basic auth. */
    static HttpRequest.Builder request(Gateway gateway, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes()));
    }
}
