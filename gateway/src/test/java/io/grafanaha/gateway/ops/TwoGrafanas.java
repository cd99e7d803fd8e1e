package io.grafanaha.gateway.ops;

import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Two Grafana emulators behind a gateway started the way {@code run} starts it, with fast health checks
 * (200 ms, rise 1, fall 1) so a stopped primary is noticed within a fraction of a second. Failback is
 * automatic and immediate: on a cold JVM the replica may pass its first check before the primary does,
 * and the primary must still end up serving.
 */
final class TwoGrafanas implements AutoCloseable {
    static final String ADMIN_TOKEN = "ops-admin-t0ken-4711";

    final Rig rig;
    final GrafanaEmulator a;
    final GrafanaEmulator b;
    final Gateway gateway;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private TwoGrafanas(String extraYaml) {
        rig = Rig.builder().adminToken(ADMIN_TOKEN)
                .settings(Rig.FAST_HEALTH + Rig.IMMEDIATE_FAILBACK + extraYaml)
                .start();
        a = rig.a();
        b = rig.b();
        try {
            gateway = rig.startGateway();
        } catch (RuntimeException e) {
            rig.close();
            throw e;
        }
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
        return rig.active().orElse("");
    }

    boolean isUp(String name) {
        return rig.isUp(name);
    }

    static boolean isAdminFailover(io.grafanaha.health.routing.RoutingEvent e) {
        return e instanceof io.grafanaha.health.routing.RoutingEvent.Failover f
                && f.cause() == io.grafanaha.health.routing.FailoverCause.ADMIN;
    }

    @Override
    public void close() {
        rig.close();
    }
}
