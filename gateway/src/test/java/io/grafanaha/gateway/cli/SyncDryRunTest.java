package io.grafanaha.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.demo.Rig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sync --dry-run} prints every kind's plan and writes nothing. */
class SyncDryRunTest {
    private static final String CPU = """
            {"uid": "cpu", "title": "CPU", "tags": [], "schemaVersion": 39, "panels": []}
            """;
    private static final String ALERTING = """
            apiVersion: 1
            groups:
              - orgId: 1
                name: cpu-alerts
                folder: team-a
                interval: 1m
                rules:
                  - uid: cpu-down
                    title: CPU down
                    condition: A
                    data:
                      - {refId: A, datasourceUid: prom, relativeTimeRange: {from: 600, to: 0}, model: {expr: up}}
            templates:
              - {orgId: 1, name: short, template: 'x'}
            """;

    @TempDir
    Path dir;

    private Rig rig;

    @AfterEach
    void stop() {
        rig.close();
    }

    @Test
    void theDryRunPrintsTheAlertingPlanBesideTheDashboardsAndWritesNothing() throws Exception {
        rig = Rig.builder(dir).seedFiles(Map.of("team-a/cpu.json", CPU, "alerting/rules.yaml", ALERTING)).start();
        Path config = dir.resolve("gateway.yaml");
        Files.writeString(config, rig.yaml("127.0.0.1:0", "127.0.0.1:0", dir.resolve("data")));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));

        int code = cli.execute("sync", "--config", config.toString(), "--dry-run");

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("create dashboard").contains("grafana-b alerting: 2 changes")
                .contains("create rule group cpu-alerts").contains("create template short")
                .contains("dry run: nothing was written");
        assertThat(rig.a().dashboards()).isEmpty();
        assertThat(rig.b().resources().alertRules()).isEmpty();
    }
}
