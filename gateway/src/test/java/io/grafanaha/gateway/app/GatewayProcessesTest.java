package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.cli.Main;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.git.GitServer;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.grafanaha.testkit.grafana.StoredDashboard;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as separate operating-system processes ({@code java ... Main run --config}): a {@code kill -9} right
 * after a save that could not be pushed yet loses nothing, and two processes on one repository converge with one
 * commit per edit.
 */
class GatewayProcessesTest {
    // Four JVMs (two gateways, two emulators in this one) on a CI machine's two cores after the rest of the suite:
    // convergence is asserted here, its speed is measured in bench/writeback.sh.
    private static final Duration WAIT = Duration.ofSeconds(120);
    @TempDir
    Path dir;

    private Rig rig;
    private GitServer git;
    private RemoteRepo repo;
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    /** A run that fails (say, no convergence in time) shows what every gateway process logged, to find out why. */
    @RegisterExtension
    final TestExecutionExceptionHandler printLogsOnFailure = (context, failure) -> {
        for (Path log : logs) {
            System.out.println("---- " + log.getFileName() + " ----");
            System.out.println(Files.exists(log) ? Files.readString(log) : "(no log)");
        }
        throw failure;
    };

    /** One gateway process and its public port. */
    private record Running(Process process, int port) {}

    @BeforeEach
    void start() {
        rig = EditingRig.start(dir, EditingRig.cpuAndMemory(), "2s", "1s");
        git = rig.git();
        repo = rig.repo();
        a = rig.a();
        b = rig.b();
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        rig.close();
    }

    @Test
    void aSaveAnsweredJustBeforeAKill9ReachesGitAndTheOtherInstanceAfterTheRestart() throws Exception {
        Running gateway = launch("gateway", "data");
        git.unavailable(true); // the push cannot happen before the kill

        assertThat(save(gateway, "grafana-a", "cpu", "CPU after the crash").statusCode()).isEqualTo(200);
        // The 200 is the promise: the edit is on disk before the browser hears "saved", not some time after.
        Path journal = dir.resolve("data/journal/edits.jsonl");
        assertThat(journal).exists();
        assertThat(Files.readString(journal)).contains("\"cpu\"");
        gateway.process().destroyForcibly(); // SIGKILL at once: no shutdown hook, no flush
        assertThat(gateway.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        git.unavailable(false);
        assertThat(repo.readFile("main", "shared/team-a/cpu.json").orElseThrow()).doesNotContain("after the crash");

        launch("gateway", "data");

        await().atMost(WAIT).until(() -> repo.readFile("main", "shared/team-a/cpu.json").orElseThrow()
                .contains("CPU after the crash"));
        await().atMost(WAIT).until(() -> b.dashboard("cpu").map(StoredDashboard::title).orElse("")
                .equals("CPU after the crash"));
    }

    @Test
    void aDeleteAnsweredJustBeforeAKill9IsNotUndoneByTheRestart() throws Exception {
        Running gateway = launch("gateway", "data");
        git.unavailable(true); // the push cannot happen before the kill

        assertThat(delete(gateway, "grafana-a", "mem").statusCode()).isEqualTo(200);
        gateway.process().destroyForcibly(); // SIGKILL at once: no shutdown hook, no flush
        assertThat(gateway.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        git.unavailable(false);
        assertThat(a.dashboard("mem")).isEmpty();

        launch("gateway", "data");

        await().atMost(WAIT).until(() -> repo.readFile("main", "shared/team-a/mem.json").isEmpty()
                && b.dashboard("mem").isEmpty());
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> a.dashboard("mem").isEmpty()
                && b.dashboard("mem").isEmpty() && repo.readFile("main", "shared/team-a/mem.json").isEmpty());
    }

    @Test
    void aDeleteMadeOnAnInstanceWhileTheGatewayWasStoppedIsWrittenBackAtTheNextStart() throws Exception {
        Running gateway = launch("gateway", "data");
        // The gateway must have seen "mem" on grafana-a before it stops: otherwise, at the next start, grafana-a
        // lacking it is a dashboard not applied yet, rightly created again, and no delete of anyone's.
        Path applied = dir.resolve("data/state/applied-blobs.json");
        await().atMost(WAIT).until(() -> Files.exists(applied) && appliedHolds(applied, "grafana-a", "mem"));
        gateway.process().destroyForcibly();
        assertThat(gateway.process().waitFor(30, TimeUnit.SECONDS)).isTrue();

        HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(java.net.URI.create(a.url()
                        + "/api/dashboards/uid/mem")).header("Authorization", "Bearer " + a.token()).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);

        launch("gateway", "data");

        await().atMost(WAIT).until(() -> repo.readFile("main", "shared/team-a/mem.json").isEmpty()
                && b.dashboard("mem").isEmpty());
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> a.dashboard("mem").isEmpty()
                && b.dashboard("mem").isEmpty() && repo.readFile("main", "shared/team-a/mem.json").isEmpty());
    }

    @Test
    void twoGatewayProcessesOnOneRepositoryConvergeWithOneCommitPerEdit() throws Exception {
        Running first = launch("first", "data-1");
        Running second = launch("second", "data-2");

        assertThat(save(first, "grafana-a", "cpu", "CPU from the first").statusCode()).isEqualTo(200);
        assertThat(save(second, "grafana-b", "mem", "Memory from the second").statusCode()).isEqualTo(200);

        await().atMost(WAIT).until(() -> titles(a).equals(List.of("CPU from the first", "Memory from the second"))
                && titles(b).equals(titles(a))
                && repo.readFile("main", "shared/team-a/cpu.json").orElseThrow().contains("CPU from the first")
                && repo.readFile("main", "shared/team-a/mem.json").orElseThrow().contains("Memory from the second"));
        // Both processes poll both instances every second: each sees the other's edit and must not commit it again.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> updates().size() == 2);
        assertThat(updates()).containsExactlyInAnyOrder("Update dashboard \"CPU from the first\" from grafana-a",
                        "Update dashboard \"Memory from the second\" from grafana-b");
        assertThat(titles(a)).containsExactly("CPU from the first", "Memory from the second");
    }

    /** Whether the sync's record of what each backend holds says {@code backend} holds {@code uid}. */
    private static boolean appliedHolds(Path applied, String backend, String uid) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(applied.toFile()).path(backend).has(uid);
        } catch (IOException e) {
            return false; // being replaced: look again
        }
    }

    private List<String> updates() {
        return repo.log().stream().map(c -> c.shortMessage()).filter(m -> m.startsWith("Update dashboard")).toList();
    }

    private static List<String> titles(GrafanaEmulator g) {
        return List.of(g.dashboard("cpu").map(StoredDashboard::title).orElse(""),
                g.dashboard("mem").map(StoredDashboard::title).orElse(""));
    }

    /** Starts {@code Main run --config} in a new JVM with this test's class path; returns once it serves Grafana. */
    private Running launch(String name, String dataDir) throws Exception {
        int port = freePort();
        int adminPort = freePort();
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, rig.yaml("127.0.0.1:" + port, "127.0.0.1:" + adminPort, dir.resolve(dataDir)));
        Path log = dir.resolve(name + ".log"); // appended to: a restarted process keeps its first run's lines
        if (!logs.contains(log)) {
            logs.add(log);
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "run", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        processes.add(process);
        Running running = new Running(process, port);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited: " + Files.readString(log));
            }
            return serves(running) && a.dashboard("cpu").isPresent() && b.dashboard("cpu").isPresent();
        });
        return running;
    }

    private boolean serves(Running gateway) {
        try {
            return http.send(request(gateway, "grafana-a", "/api/health").GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** As Grafana's UI saves: read the version, then save over it with overwrite off. */
    private HttpResponse<String> save(Running gateway, String backend, String uid, String title) throws Exception {
        StoredDashboard current = rig.grafana(backend).orElseThrow().dashboard(uid).orElseThrow();
        String body = """
                {"dashboard": {"uid": "%s", "title": "%s", "tags": [], "schemaVersion": 39, "panels": [], "version": %d},
                 "folderUid": "%s", "overwrite": false}
                """.formatted(uid, title, current.version(), current.folderUid());
        return http.send(request(gateway, backend, "/api/dashboards/db").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> delete(Running gateway, String backend, String uid) throws Exception {
        return http.send(request(gateway, backend, "/api/dashboards/uid/" + uid).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(Running gateway, String backend, String path) {
        return EditingRig.request(gateway.port(), backend, path);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
