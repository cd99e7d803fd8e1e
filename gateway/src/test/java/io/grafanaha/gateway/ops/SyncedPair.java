package io.grafanaha.gateway.ops;

import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.config.ConfigLoader;
import io.grafanaha.testkit.git.GitServer;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A failover gateway with sync in front of two Grafana emulators (grafana-a primary), following a Git repository
 * with one dashboard: every metric the gateway can export is registered. Health checks are slow on purpose (a
 * stopped primary stays "up" long enough for a request to fail and be retried) with a generous timeout, so a first
 * check on a cold JVM does not fail and leave a backend down for 30 s; failback is manual.
 */
final class SyncedPair implements AutoCloseable {
    static final String ADMIN_TOKEN = "dashboard-test-token";

    final GitServer git;
    final GrafanaEmulator a;
    final GrafanaEmulator b;
    final Gateway gateway;

    SyncedPair(Path dir) throws Exception {
        Path seed = Files.createDirectories(dir.resolve("seed"));
        Files.writeString(seed.resolve("cpu.json"), "{\"uid\":\"cpu\",\"title\":\"CPU\",\"schemaVersion\":39,\"panels\":[]}");
        git = GitServer.start(dir.resolve("git"));
        RemoteRepo repo = git.createRepository("grafana-manifests", seed, "shared/");
        a = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
        b = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b"));
        gateway = Gateway.start(new ConfigLoader(Map.of()).parse("""
                listen: 127.0.0.1:0
                admin:
                  listen: 127.0.0.1:0
                  token: %s
                mode: failover
                backends:
                  - name: grafana-a
                    url: %s
                    role: primary
                    api-token: %s
                  - name: grafana-b
                    url: %s
                    api-token: %s
                health:
                  interval: 30s
                  timeout: 2s
                  rise: 1
                  fall: 1
                failback:
                  mode: manual
                sync:
                  repository: %s
                  path: shared/
                  interval: 1h
                  webhook-secret: hook-secret
                  data-dir: %s
                """.formatted(ADMIN_TOKEN, a.url(), a.token(), b.url(), b.token(), repo.url(), dir.resolve("data")), "test"));
    }

    @Override
    public void close() {
        gateway.close();
        a.close();
        b.close();
        git.close();
    }
}
