package io.grafanaha.gateway.app;

import io.grafanaha.gateway.demo.Rig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.testkit.git.GitServer;
import io.grafanaha.testkit.git.GitWorkspace;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.grafanaha.testkit.grafana.StoredDashboard;
import io.grafanaha.testkit.grafana.StoredFolder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real dashboards (monitoring-mixins, Apache-2.0, see src/test/resources/real-dashboards-NOTICE.md) through
 * the wired product: the same tree on every backend, a bad file isolated, and the deletion guard.
 */
class RealDashboardsSyncTest {
    private static final Path REAL = Path.of("src", "test", "resources", "real-dashboards");
    private static final List<String> UIDS = List.of("61bb048ced9817b2d3e07677fb1c6290", "88c041017b96856c9176e07cf557bdcf",
            "124d5222454213f748dbfaf69b77ec48", "UuEtZCVWz");

    @TempDir
    Path dir;

    private Rig rig;
    private GitServer git;
    private RemoteRepo repo;
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        rig = Rig.builder(dir).seed(REAL)
                .settings("""
                        health:
                          interval: 200ms
                          timeout: 1s
                        """)
                .syncSettings("""
                        interval: 1h
                        poll-interval: 0
                        max-deletes: 25%
                        """)
                .start();
        git = rig.git();
        repo = rig.repo();
        a = rig.a();
        b = rig.b();
        gateway = rig.startGateway();
        await().atMost(Duration.ofSeconds(15)).until(() -> UIDS.stream().allMatch(u -> a.dashboard(u).isPresent() && b.dashboard(u).isPresent()));
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    @Test
    void everyBackendHoldsTheSameFolderTreeAndTheDashboardsAsGitHasThem() throws Exception {
        assertThat(tree(a)).isEqualTo(tree(b)).containsKeys("grafana-manifests", "grafana-manifests/cortex", "grafana-manifests/memcached");
        assertThat(tree(a).get("grafana-manifests/cortex")).containsExactly("Cortex / Config", "Cortex / Scaling");
        ObjectMapper json = new ObjectMapper();
        for (String uid : UIDS) {
            assertThat(content(a.dashboard(uid).orElseThrow())).as(uid).isEqualTo(content(b.dashboard(uid).orElseThrow()));
        }
        ObjectNode inGit = (ObjectNode) json.readTree(REAL.resolve("sealed-secrets-controller.json").toFile());
        assertThat(content(a.dashboard("UuEtZCVWz").orElseThrow())).as("as in Git, but for id and version").isEqualTo(strip(inGit));
    }

    @Test
    void aBadFileIsSkippedWithItsNameWhileTheRestOfTheCommitSyncs() throws Exception {
        try (GitWorkspace ws = repo.cloneToTemp()) {
            ws.writeFile("shared/broken.json", "{ \"uid\": \"broken\", \"title\": ")
                    .writeFile("shared/memcached/copy.json", new String(java.nio.file.Files.readAllBytes(REAL.resolve("memcached/memcached-overview.json")))
                            .replace("124d5222454213f748dbfaf69b77ec48", "memcached-copy").replace("Memcached Overview", "Memcached Copy"))
                    .commitAndPush("Add a copy and a broken file");
        }
        gateway.sync().orElseThrow().requestSync("test").get();

        assertThat(a.dashboard("memcached-copy")).isPresent();
        assertThat(b.dashboard("memcached-copy")).isPresent();
        assertThat(gateway.sync().orElseThrow().status().fileErrors()).singleElement()
                .satisfies(e -> assertThat(e.path()).isEqualTo("shared/broken.json"));
        assertThat(status()).contains("shared/broken.json");
        assertThat(UIDS).allMatch(u -> a.dashboard(u).isPresent());
    }

    @Test
    void aCommitThatWouldDeleteMostDashboardsIsRefusedAndDeletesNothing() throws Exception {
        try (GitWorkspace ws = repo.cloneToTemp()) {
            ws.deleteFile("shared/cortex/cortex-config.json").deleteFile("shared/cortex/cortex-scaling.json")
                    .deleteFile("shared/memcached/memcached-overview.json").commitAndPush("Oops");
        }
        gateway.sync().orElseThrow().requestSync("test").get();

        assertThat(UIDS).allMatch(u -> a.dashboard(u).isPresent() && b.dashboard(u).isPresent());
        assertThat(gateway.sync().orElseThrow().status().backends().get("grafana-a").lastError()).get().asString()
                .contains("max-deletes");
        assertThat(gateway.sync().orElseThrow().isFresh("grafana-a")).as("a refused pass is not fresh").isFalse();
    }

    /** Folder path (by titles) to the sorted titles of its dashboards. */
    private static Map<String, List<String>> tree(GrafanaEmulator g) {
        Map<String, StoredFolder> folders = g.folders();
        Map<String, List<String>> out = new TreeMap<>();
        folders.values().forEach(f -> out.put(path(folders, f), new java.util.ArrayList<>()));
        for (StoredDashboard d : g.dashboards().values()) {
            out.computeIfAbsent(d.folderUid().isEmpty() ? "" : path(folders, folders.get(d.folderUid())), k -> new java.util.ArrayList<>())
                    .add(d.title());
        }
        out.values().forEach(l -> l.sort(String::compareTo));
        return out;
    }

    private static String path(Map<String, StoredFolder> folders, StoredFolder f) {
        return f.parentUid().isEmpty() ? f.title() : path(folders, folders.get(f.parentUid())) + "/" + f.title();
    }

    private static ObjectNode content(StoredDashboard d) {
        return strip(d.json());
    }

    private static ObjectNode strip(ObjectNode n) {
        ObjectNode copy = n.deepCopy();
        copy.remove("id");
        copy.remove("version");
        return copy;
    }

    private String status() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/api/status")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
