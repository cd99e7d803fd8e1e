package io.grafanaha.sync.writeback;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.ResourceKinds;
import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.SyncSettings;
import io.grafanaha.sync.SyncTarget;
import io.grafanaha.sync.TestSyncThreads;
import io.grafanaha.sync.apply.RetryPolicy;
import io.grafanaha.sync.plan.DeleteLimit;
import io.grafanaha.testkit.git.GitServer;
import io.grafanaha.testkit.git.GitWorkspace;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.grafanaha.testkit.grafana.StoredDashboard;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ListBranchCommand;
import org.eclipse.jgit.lib.Ref;

/** A Git server with one repository, a clone to push from, two Grafana emulators, and gateways (sync + write-back). */
final class WriteBackFixture implements AutoCloseable {
    static final String CPU = """
            {
              "uid": "cpu",
              "title": "CPU",
              "tags": [
                "node"
              ],
              "refresh": "30s",
              "links": [],
              "schemaVersion": 39,
              "panels": [
                {
                  "type": "timeseries",
                  "title": "CPU usage",
                  "id": 1,
                  "gridPos": {
                    "h": 8,
                    "w": 12,
                    "x": 0,
                    "y": 0
                  }
                }
              ],
              "time": {
                "from": "now-6h",
                "to": "now"
              }
            }
            """;
    static final String NET = """
            # Network, as a resource in YAML.
            apiVersion: dashboard.grafana.app/v1beta1
            kind: Dashboard
            metadata:
              name: net
            spec:
              title: Network
              tags:
                - net
              refresh: 30s
              schemaVersion: 39
              panels:
                - type: timeseries
                  title: Traffic
                  id: 1
            """;

    /** Library panel lib-cpu's file, as people write them. */
    static final String LIBRARY_PANEL = """
            {
              "uid": "lib-cpu",
              "name": "CPU panel",
              "kind": 1,
              "model": {
                "type": "timeseries",
                "title": "CPU"
              }
            }
            """;

    final Path dir;
    final GitServer git;
    final RemoteRepo repo;
    final GitWorkspace workspace;
    final GrafanaEmulator a;
    final GrafanaEmulator b;
    final List<WriteBackEvent> events = new CopyOnWriteArrayList<>();
    final TestSyncThreads threads = new TestSyncThreads();
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

    WriteBackFixture(Path dir) {
        this.dir = dir;
        git = GitServer.start(dir.resolve("git"));
        repo = git.createRepository("grafana-manifests", null, "shared/");
        workspace = repo.cloneToTemp();
        a = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
        b = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b"));
        workspace.writeFile("shared/cpu.json", CPU).writeFile("shared/team/net.yaml", NET).commitAndPush("seed");
    }

    SyncSettings settings(String dataDir) {
        return SyncSettings.of(repo.url(), dir.resolve(dataDir)).withPath("shared/")
                .withInterval(Duration.ofMinutes(10)).withDeleteLimit(DeleteLimit.unlimited())
                .withRetry(new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(20)));
    }

    SyncService sync(SyncSettings settings) throws IOException {
        return sync(settings, System.getenv());
    }

    /** @param environment what {@code ${VAR}} in the files is filled from */
    SyncService sync(SyncSettings settings, Map<String, String> environment) throws IOException {
        SyncService s = new SyncService(settings, List.of(
                SyncTarget.of("grafana-a", URI.create(a.url()), a.token(), threads.reads()),
                SyncTarget.of("grafana-b", URI.create(b.url()), b.token(), threads.reads())), e -> {}, Clock.systemUTC(),
                threads.sync(), new ResourceKinds(environment, false));
        open.add(s);
        return s;
    }

    /** A gateway's write-back, not started, polling off unless set. */
    WriteBack writeBack(SyncService sync) throws IOException {
        WriteBack w = new WriteBack(sync, events::add, Clock.systemUTC(), threads.writeBack()).setPollInterval(Duration.ZERO);
        open.add(0, w);
        return w;
    }

    static void pass(SyncService sync) throws Exception {
        sync.requestSync("test").get(30, TimeUnit.SECONDS);
    }

    /** Alice saves dashboard cpu straight on grafana-a with {@code key} set to {@code value}, as the UI would. */
    StoredDashboard editCpuOnA(String key, String value) {
        ObjectNode cpu = a.dashboard("cpu").orElseThrow().json();
        cpu.put(key, value);
        return a.putDashboard(cpu, a.dashboard("cpu").orElseThrow().folderUid(), "", "alice");
    }

    static CapturedEdit saved(String backend, String uid, String user) {
        return CapturedEdit.dashboardSaved(backend, uid, Optional.ofNullable(user), Instant.now());
    }

    Optional<String> gitFile(String path) {
        return repo.readFile("main", path);
    }

    List<String> branches() throws Exception {
        try (Git g = Git.open(repo.bareDir().toFile())) {
            return g.branchList().setListMode(ListBranchCommand.ListMode.ALL).call().stream().map(Ref::getName)
                    .toList();
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort
            }
        }
        threads.close();
        a.close();
        b.close();
        workspace.close();
        git.close();
    }
}
