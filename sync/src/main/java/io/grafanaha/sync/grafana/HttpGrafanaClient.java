package io.grafanaha.sync.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.plan.BackendDashboard;
import io.grafanaha.sync.plan.BackendFolder;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@link GrafanaClient} over {@code java.net.http} with a service-account token ({@code Authorization: Bearer}).
 * The base URL may carry a sub-path ({@code http://host/grafana}).
 */
public final class HttpGrafanaClient implements GrafanaClient {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int FOLDER_PAGE = 1000;
    private static final int SEARCH_PAGE = 5000;
    /** Keeps search URLs well under common 8 KB request-line limits. */
    private static final int UIDS_PER_QUERY = 50;

    private final String name;
    private final String base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    public HttpGrafanaClient(String name, URI baseUrl, String token, Duration timeout, HttpClient http) {
        this.name = Objects.requireNonNull(name, "name");
        this.base = baseUrl.toString().replaceAll("/+$", "");
        this.token = Objects.requireNonNull(token, "token");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = Objects.requireNonNull(http, "http");
    }

    /** A client with its own {@link HttpClient} and a 10 s request timeout. */
    public static HttpGrafanaClient create(String name, URI baseUrl, String token) {
        return new HttpGrafanaClient(name, baseUrl, token, Duration.ofSeconds(10),
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<BackendFolder> folder(String uid) throws GrafanaApiException {
        return send("GET", "/api/folders/" + enc(uid), null, true).map(HttpGrafanaClient::toFolder);
    }

    @Override
    public List<BackendFolder> childFolders(String parentUid) throws GrafanaApiException {
        List<BackendFolder> out = new ArrayList<>();
        for (int page = 1; ; page++) {
            JsonNode arr = send("GET", "/api/folders?limit=" + FOLDER_PAGE + "&page=" + page + "&parentUid="
                    + enc(parentUid), null, false).orElseThrow();
            arr.forEach(f -> out.add(new BackendFolder(f.path("uid").asText(), f.path("title").asText(),
                    Optional.of(parentUid))));
            if (arr.size() < FOLDER_PAGE) {
                return out;
            }
        }
    }

    @Override
    public List<DashboardHit> dashboardsInFolders(Collection<String> folderUids) throws GrafanaApiException {
        return search("folderUIDs", folderUids);
    }

    @Override
    public List<DashboardHit> findDashboards(Collection<String> uids) throws GrafanaApiException {
        return search("dashboardUIDs", uids);
    }

    private List<DashboardHit> search(String param, Collection<String> values) throws GrafanaApiException {
        List<String> all = List.copyOf(values);
        List<DashboardHit> out = new ArrayList<>();
        for (int from = 0; from < all.size(); from += UIDS_PER_QUERY) {
            String filter = all.subList(from, Math.min(all.size(), from + UIDS_PER_QUERY)).stream()
                    .map(v -> "&" + param + "=" + enc(v)).collect(Collectors.joining());
            for (int page = 1; ; page++) {
                JsonNode arr = send("GET", "/api/search?type=dash-db&limit=" + SEARCH_PAGE + "&page=" + page
                        + filter, null, false).orElseThrow();
                arr.forEach(h -> out.add(new DashboardHit(h.path("uid").asText(), h.path("title").asText(),
                        h.path("folderUid").asText(""))));
                if (arr.size() < SEARCH_PAGE) {
                    break;
                }
            }
        }
        return out;
    }

    @Override
    public Optional<BackendDashboard> dashboard(String uid) throws GrafanaApiException {
        return send("GET", "/api/dashboards/uid/" + enc(uid), null, true).map(body -> {
            JsonNode d = body.path("dashboard");
            JsonNode meta = body.path("meta");
            ObjectNode json = d.isObject() ? (ObjectNode) d : MAPPER.createObjectNode();
            return new BackendDashboard(json.path("uid").asText(uid), json.path("title").asText(),
                    meta.path("folderUid").asText(""), json, json.path("version").asInt(meta.path("version").asInt()));
        });
    }

    @Override
    public SaveResult saveDashboard(ObjectNode dashboard, String folderUid, String message)
            throws GrafanaApiException {
        ObjectNode body = MAPPER.createObjectNode();
        ObjectNode d = dashboard.deepCopy();
        d.remove("id");
        d.remove("version");
        body.set("dashboard", d);
        body.put("folderUid", folderUid);
        body.put("message", message);
        body.put("overwrite", true);
        JsonNode r = send("POST", "/api/dashboards/db", body, false).orElseThrow();
        return new SaveResult(r.path("uid").asText(), r.path("version").asInt(), r.path("url").asText());
    }

    @Override
    public void deleteDashboard(String uid) throws GrafanaApiException {
        send("DELETE", "/api/dashboards/uid/" + enc(uid), null, true);
    }

    @Override
    public void createFolder(String uid, String title, Optional<String> parentUid) throws GrafanaApiException {
        ObjectNode body = MAPPER.createObjectNode().put("uid", uid).put("title", title);
        parentUid.ifPresent(p -> body.put("parentUid", p));
        send("POST", "/api/folders", body, false);
    }

    @Override
    public void renameFolder(String uid, String title) throws GrafanaApiException {
        send("PUT", "/api/folders/" + enc(uid), MAPPER.createObjectNode().put("title", title).put("overwrite", true),
                false);
    }

    @Override
    public void moveFolder(String uid, Optional<String> parentUid) throws GrafanaApiException {
        send("POST", "/api/folders/" + enc(uid) + "/move",
                MAPPER.createObjectNode().put("parentUid", parentUid.orElse("")), false);
    }

    @Override
    public void deleteFolder(String uid) throws GrafanaApiException {
        send("DELETE", "/api/folders/" + enc(uid), null, true);
    }

    @Override
    public List<DashboardVersion> versions(String uid, int limit) throws GrafanaApiException {
        Optional<JsonNode> body = send("GET", "/api/dashboards/uid/" + enc(uid) + "/versions?limit=" + limit, null,
                true);
        if (body.isEmpty()) {
            return List.of();
        }
        JsonNode rows = body.get().isArray() ? body.get() : body.get().path("versions");
        List<DashboardVersion> out = new ArrayList<>();
        rows.forEach(v -> out.add(new DashboardVersion(v.path("version").asInt(), v.path("createdBy").asText(""),
                v.path("message").asText(""))));
        return out;
    }

    /** Sends one call; a 404 gives empty when {@code notFoundIsEmpty}, any other non-2xx throws. */
    private Optional<JsonNode> send(String method, String path, JsonNode body, boolean notFoundIsEmpty)
            throws GrafanaApiException {
        String call = method + " " + path;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new GrafanaApiException(name, call, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GrafanaApiException(name, call, e);
        }
        int status = response.statusCode();
        if (status == 404 && notFoundIsEmpty) {
            return Optional.empty();
        }
        JsonNode json;
        try {
            json = response.body().length == 0 ? MAPPER.createObjectNode() : MAPPER.readTree(response.body());
        } catch (IOException e) {
            if (status / 100 == 2) {
                throw new GrafanaApiException(name, call, status, "response is not JSON");
            }
            json = MAPPER.createObjectNode();
        }
        if (status / 100 != 2) {
            String message = json.path("message").asText("");
            throw new GrafanaApiException(name, call, status, message.isEmpty() ? "(no message)" : message);
        }
        return Optional.of(json);
    }

    private static BackendFolder toFolder(JsonNode f) {
        String parent = f.path("parentUid").asText("");
        return new BackendFolder(f.path("uid").asText(), f.path("title").asText(),
                parent.isEmpty() ? Optional.empty() : Optional.of(parent));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
