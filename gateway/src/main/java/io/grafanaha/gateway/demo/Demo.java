package io.grafanaha.gateway.demo;

import io.grafanaha.gateway.admin.AdminExchange;
import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.grafanaha.testkit.grafana.SessionRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The embedded default, all on loopback: a Git repository seeded with example dashboards, two emulated
 * Grafanas, and the gateway in failover mode in front of them, syncing the repository's {@code shared/}
 * into both. Everything stops, and the temporary files go, when the demo is closed.
 */
public final class Demo implements AutoCloseable {
    /** Example dashboards shipped in the jar, by their path in the demo repository. */
    static final List<String> DASHBOARDS = List.of("shared/overview.json", "shared/team-a/cpu.json", "shared/team-b/http.json");

    private final Path workDir;
    private final String adminToken = newToken();
    private final Rig rig;
    private final Map<String, GrafanaEmulator> grafanas;
    private final Gateway gateway;

    private Demo(int port, int adminPort) {
        Path dir = null;
        Rig started = null;
        try {
            dir = Files.createTempDirectory("grafana-ha-gateway-demo");
            started = Rig.builder(dir)
                    .seed(extractDashboards(dir.resolve("seed")))
                    .sessions(new SessionRegistry())
                    .adminToken(adminToken)
                    .settings("""
                            health:
                              interval: 1s
                              timeout: 500ms
                            failback:
                              hold: 5s
                            proxy:
                              shutdown-grace: 2s
                            """)
                    .syncSettings("""
                            folder: grafana-manifests
                            interval: 5s
                            """)
                    .start();
            workDir = dir;
            rig = started;
            grafanas = started.grafanas();
            gateway = started.createGateway(port, adminPort);
            gateway.admin().route("/demo/stop", ex -> control(ex, GrafanaEmulator::stop));
            gateway.admin().route("/demo/start", ex -> control(ex, GrafanaEmulator::restart));
            gateway.admin().route("/demo/edit", this::edit);
            gateway.start();
        } catch (IOException e) {
            closeQuietly(started, dir);
            throw new UncheckedIOException("cannot prepare the demo: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(started, dir);
            throw e;
        }
    }

    public static Demo start(int port, int adminPort) {
        return new Demo(port, adminPort);
    }

    private static String newToken() {
        byte[] bytes = new byte[18];
        new java.security.SecureRandom().nextBytes(bytes);
        return "demo-" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Copies the example dashboards shipped in the jar into {@code dir}, as the repository's first commit. */
    private static Path extractDashboards(Path dir) throws IOException {
        for (String path : DASHBOARDS) {
            try (InputStream in = Demo.class.getResourceAsStream("/demo/" + path)) {
                if (in == null) {
                    throw new IllegalStateException("missing demo dashboard " + path);
                }
                Path target = dir.resolve(path.substring("shared/".length()));
                Files.createDirectories(target.getParent());
                Files.copy(in, target);
            }
        }
        return dir;
    }

    private void control(AdminExchange ex, java.util.function.Consumer<GrafanaEmulator> action) throws IOException {
        String query = ex.rawQuery();
        String name = query != null && query.startsWith("backend=") ? query.substring("backend=".length()) : "";
        GrafanaEmulator g = grafanas.get(name);
        byte[] body;
        int status;
        if (!"POST".equals(ex.method())) {
            status = 405;
            body = "{\"message\":\"use POST\"}".getBytes(StandardCharsets.UTF_8);
        } else if (g == null) {
            status = 404;
            body = ("{\"message\":\"no demo backend named '" + name + "' (grafana-a or grafana-b)\"}").getBytes(StandardCharsets.UTF_8);
        } else {
            action.accept(g);
            status = 200;
            body = ("{\"backend\":\"" + name + "\",\"running\":" + g.isRunning() + "}").getBytes(StandardCharsets.UTF_8);
        }
        ex.send(status, "application/json", body);
    }

    /**
     * Edits the overview dashboard through the front door as Grafana's UI would (read it, change the
     * title, save with the version read), so the write-back has a user edit to commit.
     */
    private void edit(AdminExchange ex) throws IOException {
        String front = "http://127.0.0.1:" + gateway.port();
        String auth = "Basic " + java.util.Base64.getEncoder().encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8));
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        int status;
        String answer;
        try {
            var read = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(front + "/api/dashboards/uid/demo-overview"))
                    .header("Authorization", auth).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            var current = json.readTree(read.body());
            var dashboard = (com.fasterxml.jackson.databind.node.ObjectNode) current.path("dashboard");
            dashboard.put("title", "Service overview (edited " + java.time.LocalTime.now().withNano(0) + ")");
            var body = json.createObjectNode();
            body.set("dashboard", dashboard);
            body.put("folderUid", current.path("meta").path("folderUid").asText());
            body.put("overwrite", false);
            body.put("message", "edited in the demo");
            var saved = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(front + "/api/dashboards/db"))
                    .header("Authorization", auth).header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            status = saved.statusCode();
            answer = saved.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = 503;
            answer = "{\"message\":\"interrupted\"}";
        } catch (IOException | RuntimeException e) {
            status = 502;
            answer = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("message", String.valueOf(e.getMessage())).toString();
        }
        ex.send(status, "application/json", answer);
    }

    public Gateway gateway() {
        return gateway;
    }

    /** The demo's Git repository, whose {@code shared/} both Grafanas hold. */
    public io.grafanaha.testkit.git.RemoteRepo repository() {
        return rig.repo();
    }

    public GrafanaEmulator grafana(String name) {
        return grafanas.get(name);
    }

    /** The ops page's admin token, new for every run. */
    public String adminToken() {
        return adminToken;
    }

    /** What the demo prints: where to go and what to try. */
    public String instructions() {
        String front = "http://127.0.0.1:" + gateway.port();
        String ops = "http://127.0.0.1:" + gateway.adminPort();
        return """

                Grafana HA Gateway demo (everything on 127.0.0.1; Ctrl-C stops it all)
                  front door (users):  %1$s/              sign in as admin / admin
                  ops page (admin):    %2$s/              admin token: %6$s
                                       (also %2$s/api/status, %2$s/metrics)
                  grafana-a (primary): %3$s    (Grafana API emulators, each with a small page of its own)
                  grafana-b (replica): %4$s
                  Git repository:      %5$s  (branch main, dashboards under shared/)

                Try, in a browser:
                  1. Open %1$s/ and sign in: the header says which Grafana answered (grafana-a, the primary).
                  2. Open "Service overview", change its title, Save: within seconds the edit is a commit in Git
                     and the title on %4$s/d/demo-overview too.
                  3. On the ops page, paste the admin token and fail over to grafana-b (or stop grafana-a below):
                     reload the dashboard page: grafana-b answers, signed in, with your edit.
                Or with curl:
                  curl -s -u admin:admin '%1$s/api/search?query=team'        # synced from Git into both Grafanas
                  curl -s -X POST '%2$s/demo/stop?backend=grafana-a'         # stop the primary: the replica takes over
                  curl -s %2$s/api/status
                  curl -s -X POST '%2$s/demo/start?backend=grafana-a'        # back: synced, then failback after 5 s
                  curl -s -X POST -H 'Authorization: Bearer %6$s' %2$s/api/sync   # an admin action: sync now
                  curl -s -X POST '%2$s/demo/edit'                           # a user edit through the front door...
                  git clone %5$s && git -C grafana-manifests log -3          # ...is a commit, and is on the other Grafana
                    # edit a dashboard under grafana-manifests/shared/, commit, push: both Grafanas have it within 5 s
                """.formatted(front, ops, rig.a().url(), rig.b().url(), rig.repo().url(), adminToken);
    }

    @Override
    public void close() {
        closeQuietly(rig, workDir);
    }

    private static void closeQuietly(Rig rig, Path workDir) {
        if (rig != null) {
            rig.close();
        }
        if (workDir != null) {
            deleteTree(workDir);
        }
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
