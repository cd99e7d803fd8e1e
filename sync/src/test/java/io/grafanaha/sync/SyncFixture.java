package io.grafanaha.sync;

import io.grafanaha.sync.apply.RetryPolicy;
import io.grafanaha.sync.plan.DeleteLimit;
import io.grafanaha.testkit.git.GitServer;
import io.grafanaha.testkit.git.GitWorkspace;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A Git server with one repository, a clone to push from, and two Grafana emulators; everything on loopback. */
final class SyncFixture implements AutoCloseable {
    final Path dir;
    final GitServer git;
    final RemoteRepo repo;
    final GitWorkspace workspace;
    final GrafanaEmulator a;
    final GrafanaEmulator b;
    final List<SyncEvent> events = new CopyOnWriteArrayList<>();
    final TestSyncThreads threads = new TestSyncThreads();
    private final List<SyncService> services = new CopyOnWriteArrayList<>();

    SyncFixture(Path dir) {
        this.dir = dir;
        git = GitServer.start(dir.resolve("git"));
        repo = git.createRepository("grafana-manifests", null, "shared/");
        workspace = repo.cloneToTemp();
        a = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
        b = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b"));
    }

    SyncSettings settings() {
        return SyncSettings.of(repo.url(), dir.resolve("data")).withPath("shared/")
                .withInterval(Duration.ofMinutes(10)).withDeleteLimit(DeleteLimit.unlimited())
                .withRetry(new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(20)));
    }

    SyncService service(SyncSettings settings) throws IOException {
        SyncService s = new SyncService(settings, List.of(
                SyncTarget.of("grafana-a", URI.create(a.url()), a.token(), threads.reads()),
                SyncTarget.of("grafana-b", URI.create(b.url()), b.token(), threads.reads())), events::add,
                Clock.systemUTC(), threads.sync());
        services.add(s);
        return s;
    }

    SyncService service() throws IOException {
        return service(settings());
    }

    String push(String message, String... pathsAndContents) {
        for (int i = 0; i < pathsAndContents.length; i += 2) {
            workspace.writeFile(pathsAndContents[i], pathsAndContents[i + 1]);
        }
        return workspace.commitAndPush(message);
    }

    static String dashboard(String uid, String title) {
        return "{\"uid\":\"" + uid + "\",\"title\":\"" + title + "\",\"panels\":[],\"schemaVersion\":39}";
    }

    @Override
    public void close() {
        services.forEach(SyncService::close);
        threads.close();
        a.close();
        b.close();
        workspace.close();
        git.close();
    }
}
