package io.grafanaha.gateway.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.config.ConfigException;
import io.grafanaha.gateway.config.ConfigLoader;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.grafanaha.testkit.grafana.SessionRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded default: two emulated Grafanas holding the same example dashboards, and the gateway in
 * failover mode in front of them, all on loopback. Everything stops when the demo is closed.
 */
public final class Demo implements AutoCloseable {
    /** Example dashboards shipped in the jar, by their path in the demo repository. */
    static final List<String> DASHBOARDS = List.of("shared/overview.json", "shared/team-a/cpu.json", "shared/team-b/http.json");
    static final String ROOT_FOLDER_UID = "demo-grafana-manifests";

    private final Map<String, GrafanaEmulator> grafanas = new LinkedHashMap<>();
    private final Gateway gateway;

    private Demo(int port, int adminPort) {
        SessionRegistry sessions = new SessionRegistry();
        try {
            for (String name : List.of("grafana-a", "grafana-b")) {
                GrafanaEmulator g = GrafanaEmulator.start(GrafanaEmulator.options().name(name).sessions(sessions));
                grafanas.put(name, g);
                seed(g);
            }
            gateway = Gateway.create(config(port, adminPort));
            gateway.admin().route("/demo/stop", ex -> control(ex, GrafanaEmulator::stop));
            gateway.admin().route("/demo/start", ex -> control(ex, GrafanaEmulator::restart));
            gateway.start();
        } catch (RuntimeException e) {
            grafanas.values().forEach(GrafanaEmulator::close);
            throw e;
        }
    }

    public static Demo start(int port, int adminPort) {
        return new Demo(port, adminPort);
    }

    private GatewayConfig config(int port, int adminPort) {
        GrafanaEmulator a = grafanas.get("grafana-a");
        GrafanaEmulator b = grafanas.get("grafana-b");
        String yaml = """
                listen: 127.0.0.1:%d
                admin:
                  listen: 127.0.0.1:%d
                mode: failover
                backends:
                  - name: grafana-a
                    url: %s
                    role: primary
                    api-token: %s
                  - name: grafana-b
                    url: %s
                    role: replica
                    api-token: %s
                health:
                  interval: 1s
                  timeout: 500ms
                proxy:
                  shutdown-grace: 2s
                """.formatted(port, adminPort, a.url(), a.token(), b.url(), b.token());
        try {
            return new ConfigLoader(Map.of()).parse(yaml, "demo");
        } catch (ConfigException e) {
            throw new IllegalStateException("the demo's own configuration is invalid: " + e.getMessage(), e);
        }
    }

    /** Both instances hold the same tree, as the Git sync would leave them. */
    private static void seed(GrafanaEmulator g) {
        ObjectMapper json = new ObjectMapper();
        g.putFolder(ROOT_FOLDER_UID, "grafana-manifests", "");
        g.putFolder("demo-team-a", "team-a", ROOT_FOLDER_UID);
        g.putFolder("demo-team-b", "team-b", ROOT_FOLDER_UID);
        for (String path : DASHBOARDS) {
            try (InputStream in = Demo.class.getResourceAsStream("/demo/" + path)) {
                if (in == null) {
                    throw new IllegalStateException("missing demo dashboard " + path);
                }
                ObjectNode dashboard = (ObjectNode) json.readTree(in);
                String folder = path.contains("team-a/") ? "demo-team-a" : path.contains("team-b/") ? "demo-team-b" : ROOT_FOLDER_UID;
                g.putDashboard(dashboard, folder, "demo seed", "admin");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void control(HttpExchange ex, java.util.function.Consumer<GrafanaEmulator> action) throws IOException {
        String query = ex.getRequestURI().getRawQuery();
        String name = query != null && query.startsWith("backend=") ? query.substring("backend=".length()) : "";
        GrafanaEmulator g = grafanas.get(name);
        byte[] body;
        int status;
        if (!"POST".equals(ex.getRequestMethod())) {
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
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    public Gateway gateway() {
        return gateway;
    }

    public GrafanaEmulator grafana(String name) {
        return grafanas.get(name);
    }

    /** What the demo prints: where to go and what to try. */
    public String instructions() {
        String front = "http://127.0.0.1:" + gateway.port();
        String ops = "http://127.0.0.1:" + gateway.adminPort();
        GrafanaEmulator a = grafanas.get("grafana-a");
        return """

                Grafana HA Gateway demo
                  front door (users):  %1$s/            log in as admin / admin
                  ops (admin):         %2$s/metrics  %2$s/readyz
                  grafana-a (primary): %3$s
                  grafana-b (replica): %4$s

                Try:
                  curl -s %1$s/api/health
                  curl -s -H 'Authorization: Bearer %5$s' '%1$s/api/search?query=team'
                  curl -s -X POST '%2$s/demo/stop?backend=grafana-a'     # stop the primary
                  curl -s -X POST '%2$s/demo/start?backend=grafana-a'    # bring it back
                  curl -s %2$s/metrics | grep gateway_requests_total

                Ctrl-C stops everything.
                """.formatted(front, ops, a.url(), grafanas.get("grafana-b").url(), a.token());
    }

    @Override
    public void close() {
        gateway.close();
        grafanas.values().forEach(GrafanaEmulator::close);
    }

}
