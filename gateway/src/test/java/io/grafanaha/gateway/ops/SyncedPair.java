package io.grafanaha.gateway.ops;

import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.git.GitServer;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
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

    private final Rig rig;
    final GitServer git;
    final GrafanaEmulator a;
    final GrafanaEmulator b;
    final Gateway gateway;

    SyncedPair(Path dir) throws Exception {
        rig = Rig.builder(dir)
                .seedFiles(Map.of("cpu.json", "{\"uid\":\"cpu\",\"title\":\"CPU\",\"schemaVersion\":39,\"panels\":[]}"))
                .adminToken(ADMIN_TOKEN)
                .settings("""
                        health:
                          interval: 30s
                          timeout: 2s
                          rise: 1
                          fall: 1
                        failback:
                          mode: manual
                        """)
                .syncSettings("""
                        interval: 1h
                        webhook-secret: hook-secret
                        """)
                .start();
        git = rig.git();
        a = rig.a();
        b = rig.b();
        gateway = rig.startGateway();
    }

    @Override
    public void close() {
        rig.close();
    }
}
