package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** Real HTTP against an emulator on loopback; token auth unless a test builds its own request. */
final class TestClient {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final GrafanaEmulator grafana;

    TestClient(GrafanaEmulator grafana) {
        this.grafana = grafana;
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(grafana.url() + path)).timeout(Duration.ofSeconds(10));
    }

    HttpRequest.Builder authed(String path) {
        return request(path).header("Authorization", "Bearer " + grafana.token());
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> send(HttpRequest.Builder builder) {
        try {
            return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String path) {
        return send(authed(path).GET());
    }

    HttpResponse<String> delete(String path) {
        return send(authed(path).DELETE());
    }

    HttpResponse<String> post(String path, String json) {
        return send(authed(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    HttpResponse<String> put(String path, String json) {
        return send(authed(path).header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    HttpResponse<String> patch(String path, String json) {
        return send(authed(path).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json)));
    }

    /** POST /api/dashboards/db with a dashboard JSON and the remaining command fields. */
    HttpResponse<String> saveDashboard(String dashboardJson, String extraFields) {
        return post("/api/dashboards/db", "{\"dashboard\":" + dashboardJson + (extraFields.isEmpty() ? "" : "," + extraFields) + "}");
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + response.body(), e);
        }
    }

    HttpClient http() {
        return http;
    }
}
