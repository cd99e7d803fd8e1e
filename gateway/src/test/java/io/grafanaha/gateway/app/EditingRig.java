package io.grafanaha.gateway.app;

import io.grafanaha.testkit.git.GitServer;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * What the end-to-end tests of editing through the gateway start: the test kit's Git server with one repository
 * whose {@code shared/team-a/} holds the given dashboard files, two Grafana emulators, and the configuration of a
 * load-balancing gateway with sync and write-back in front of them.
 */
final class EditingRig implements AutoCloseable {
    /** A classic dashboard file, pretty-printed as people write them. */
    static final String CPU = """
            {
              "uid": "cpu",
              "title": "CPU",
              "tags": [],
              "schemaVersion": 39,
              "panels": []
            }
            """;

    final GitServer git;
    final RemoteRepo repo;
    final GrafanaEmulator a;
    final GrafanaEmulator b;

    /** {@code files}: file name → content, written to {@code shared/team-a/} of the first commit. */
    EditingRig(Path dir, Map<String, String> files) {
        try {
            Path seed = Files.createDirectories(dir.resolve("seed/team-a"));
            for (Map.Entry<String, String> f : files.entrySet()) {
                Files.writeString(seed.resolve(f.getKey()), f.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        git = GitServer.start(dir.resolve("git"));
        repo = git.createRepository("grafana-manifests", dir.resolve("seed"), "shared/");
        a = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
        b = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b"));
    }

    /** cpu.json ({@link #CPU}) and mem.json, the same with "Memory". */
    static Map<String, String> cpuAndMemory() {
        return Map.of("cpu.json", CPU, "mem.json", CPU.replace("cpu", "mem").replace("CPU", "Memory"));
    }

    GrafanaEmulator emulator(String backend) {
        return backend.equals("grafana-a") ? a : b;
    }

    /**
     * A load-balancing gateway over both emulators: checks every 200 ms (1 s timeout, rise and fall 1), affinity
     * cookie {@code gw}, sync of {@code shared/} with write-back at the given interval and poll interval.
     */
    String gatewayYaml(String listen, String adminListen, String syncInterval, String pollInterval, Path dataDir) {
        return """
                listen: %s
                admin:
                  listen: %s
                mode: load-balance
                backends:
                  - name: grafana-a
                    url: %s
                    api-token: %s
                  - name: grafana-b
                    url: %s
                    api-token: %s
                health:
                  interval: 200ms
                  timeout: 1s     # only stopped emulators fail here; a loaded machine must not time a check out
                  rise: 1
                  fall: 1
                routing:
                  sticky-cookie: gw
                sync:
                  repository: %s
                  path: shared/
                  interval: %s
                  poll-interval: %s
                  data-dir: %s
                """.formatted(listen, adminListen, a.url(), a.token(), b.url(), b.token(), repo.url(), syncInterval,
                pollInterval, dataDir);
    }

    /** A request to the gateway on {@code port} as a browser session: pinned to {@code backend}, signed in. */
    static HttpRequest.Builder request(int port, String backend, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .header("Cookie", "gw=" + backend)
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes()));
    }

    @Override
    public void close() {
        a.close();
        b.close();
        git.close();
    }
}
