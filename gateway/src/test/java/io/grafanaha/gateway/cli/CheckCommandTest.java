package io.grafanaha.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CheckCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void aValidFileExitsZeroAndPrintsTheEffectiveSettings() {
        assertThat(run("check", "--config", "../conf/failover.yaml")).isZero();
        assertThat(out.toString()).contains("valid", "mode: failover", "rise: 2");
    }

    @Test
    void theEffectiveSettingsShowTheAccessLogAndTheEdgeDefaults() {
        assertThat(run("check", "--config", "../conf/failover.yaml")).isZero();
        assertThat(out.toString()).contains("access-log:\n  enabled: true\n  format: json\n  sample: 1.0",
                "proxy-protocol: false", "max-concurrent-per-address: off");
    }

    private static final String BACKENDS = """
            listen: 127.0.0.1:8080
            admin:
              listen: 127.0.0.1:9090
            mode: failover
            backends:
              - name: grafana-a
                url: http://127.0.0.1:3000
                role: primary
            failback:
              require-sync: false
            """;

    @Test
    void theRepositoryPasswordIsNeverPrinted() throws Exception {
        Path file = Files.writeString(dir.resolve("password.yaml"), BACKENDS + """
                sync:
                  repository: https://sync-bot:hunter2-s3cret@git.example.org/ops/grafana-manifests.git
                """);

        assertThat(run("check", "--config", file.toString())).isZero();
        assertThat(out.toString()).contains("repository: https://sync-bot:<redacted>@git.example.org/ops/grafana-manifests.git");
        assertThat(out.toString() + err).doesNotContain("hunter2-s3cret");
    }

    @Test
    void aGitTokenOverPlainHttpToAnotherMachineIsRefused() throws Exception {
        Path remote = Files.writeString(dir.resolve("remote.yaml"), BACKENDS + """
                sync:
                  repository: http://git.example.org/ops/grafana-manifests.git
                  git-token: ghp_secret
                """);
        Path local = Files.writeString(dir.resolve("local.yaml"), BACKENDS + """
                sync:
                  repository: http://127.0.0.1:3000/ops/grafana-manifests.git
                  git-token: ghp_secret
                """);

        assertThat(run("check", "--config", remote.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("sync.git-token (line 13): would be sent in clear over http:// to git.example.org");
        assertThat(run("check", "--quiet", "--config", local.toString())).isZero();
    }

    @Test
    void anInvalidFileExitsTwoAndNamesKeyAndLine() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                listen: 127.0.0.1:8080
                admin:
                  listen: 127.0.0.1:9090
                mode: failover
                backends:
                  - name: grafana-a
                    url: http://127.0.0.1:3000
                    role: primary
                  - name: grafana-b
                    url: not a url
                """);

        assertThat(run("check", "--config", bad.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("backends[1].url (line 10): \"not a url\" is not an http or https URL");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aBadUrlAMissingNameAndAnUnknownModeAreAllReported() throws Exception {
        Path bad = Files.writeString(dir.resolve("three.yaml"), """
                listen: 127.0.0.1:8080
                admin:
                  listen: 127.0.0.1:9090
                mode: active-passive
                backends:
                  - url: http://127.0.0.1:3000
                    role: primary
                  - name: grafana-b
                    url: htp://127.0.0.1:3001
                """);

        assertThat(run("check", "--config", bad.toString())).isEqualTo(2);
        assertThat(err.toString()).contains(
                "3 problems",
                "mode (line 4): \"active-passive\" is not one of failover | load-balance",
                "backends[0].name (line 6): required",
                "backends[1].url (line 9): \"htp://127.0.0.1:3001\" is not an http or https URL");
    }

    @Test
    void aMissingFileExitsTwo() {
        assertThat(run("check", "--config", dir.resolve("absent.yaml").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("no such file");
    }

    @Test
    void helpAndVersionExitZero() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("check");
        assertThat(run("--version")).isZero();
        assertThat(out.toString()).contains("grafana-ha-gateway");
    }

    @Test
    void noCommandIsAUsageError() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("a command is required");
    }

    @Test
    void aConfigurationThatCannotWorkAsWrittenIsValidWithAWarningForEachReason() throws Exception {
        Path file = Files.writeString(dir.resolve("cannot-work.yaml"), BACKENDS + """
                sync:
                  repository: https://github.com/your-org/grafana-manifests.git
                """);

        assertThat(run("check", "--quiet", "--config", file.toString())).isZero();
        assertThat(err.toString().lines().filter(l -> l.startsWith("warning: ")))
                .anySatisfy(l -> assertThat(l).contains("admin.token is empty"))
                .anySatisfy(l -> assertThat(l).contains("backends[0].api-token is empty (grafana-a)"))
                .anySatisfy(l -> assertThat(l).contains("sync.repository is the example's placeholder"))
                .anySatisfy(l -> assertThat(l).contains("sync.write-back is on but sync.git-token is empty"));
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aConfigurationThatCanWorkGetsNoWarning() throws Exception {
        Path file = Files.writeString(dir.resolve("can-work.yaml"), """
                listen: 127.0.0.1:8080
                admin:
                  listen: 127.0.0.1:9090
                  token: ops-secret
                mode: failover
                backends:
                  - name: grafana-a
                    url: http://127.0.0.1:3000
                    role: primary
                    api-token: glsa_a
                sync:
                  repository: https://git.example.org/ops/grafana-manifests.git
                  git-token: push-token
                """);

        assertThat(run("check", "--config", file.toString())).isZero();
        assertThat(err.toString()).doesNotContain("warning:");
    }
}
