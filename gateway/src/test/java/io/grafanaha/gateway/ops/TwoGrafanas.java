package io.grafanaha.gateway.ops;

import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.config.ConfigLoader;
import io.grafanaha.health.BackendStatus;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Two Grafana emulators behind a gateway started the way {@code run} starts it, with fast health checks
 * (200 ms, rise 1, fall 1) so a stopped primary is noticed within a fraction of a second. Failback is
 * automatic and immediate: on a cold JVM the replica may pass its first check before the primary does,
 * and the primary must still end up serving.
 */
final class TwoGrafanas implements AutoCloseable {
    static final String ADMIN_TOKEN = "ops-admin-t0ken-4711";

    final GrafanaEmulator a;
    final GrafanaEmulator b;
    final Gateway gateway;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private TwoGrafanas(String extraYaml) throws Exception {
        a = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
        b = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b"));
        String yaml = """
                listen: 127.0.0.1:0
                admin:
                  listen: 127.0.0.1:0
                  token: "%s"
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
                  interval: 200ms
                  timeout: 1s     # the browser tests stop emulators; a loaded machine must not time a check out
                  rise: 1
                  fall: 1
                failback:
                  mode: auto
                  require-sync: false
                  hold: 0ms
                """.formatted(ADMIN_TOKEN, a.url(), a.token(), b.url(), b.token()) + extraYaml;
        Gateway started;
        try {
            started = Gateway.start(new ConfigLoader(Map.of()).parse(yaml, "test"));
        } catch (Exception | Error e) {
            a.close();
            b.close();
            throw e;
        }
        gateway = started;
    }

    /** Starts everything and waits until both backends are up and the primary serves. */
    static TwoGrafanas start() throws Exception {
        TwoGrafanas t = new TwoGrafanas("");
        await().atMost(Duration.ofSeconds(10)).until(() -> t.isUp("grafana-a") && t.isUp("grafana-b") && t.active().equals("grafana-a"));
        return t;
    }

    String adminUrl(String path) {
        return "http://127.0.0.1:" + gateway.adminPort() + path;
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(adminUrl(path))).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(adminUrl(path))).timeout(Duration.ofSeconds(5))
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    String active() {
        return gateway.health().status().backends().stream().filter(BackendStatus::active).map(BackendStatus::name)
                .findFirst().orElse("");
    }

    boolean isUp(String name) {
        return gateway.health().status().backends().stream().anyMatch(s -> s.name().equals(name) && s.state().equals("up"));
    }

    static boolean isAdminFailover(io.grafanaha.health.routing.RoutingEvent e) {
        return e instanceof io.grafanaha.health.routing.RoutingEvent.Failover f
                && f.cause() == io.grafanaha.health.routing.FailoverCause.ADMIN;
    }

    @Override
    public void close() {
        gateway.close();
        a.close();
        b.close();
    }
}
