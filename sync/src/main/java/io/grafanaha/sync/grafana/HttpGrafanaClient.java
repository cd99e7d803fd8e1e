package io.grafanaha.sync.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.json.SameContent;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;

/**
 * {@link GrafanaClient} over {@code java.net.http} with a service-account token ({@code Authorization: Bearer}).
 * The base URL may carry a sub-path ({@code http://host/grafana}).
 *
 * <p>The client remembers the version and content of every dashboard it wrote or read ({@link KnownDashboards}),
 * so that {@link #dashboards(List)} reads only those whose version moved since; one client per backend, kept for
 * the life of the sync.
 *
 * <p>Threads: calls run on the caller's thread, except the parallel reads of {@link #dashboards(List)} and
 * {@link #folderTree(String)}, which run on the injected {@code reads} executor (shared by every client; this client
 * never has more than {@code readConcurrency} tasks on it per call). The JDK's {@link HttpClient} keeps its own
 * selector thread.
 *
 * <p>Longer than most classes here on purpose: it is the one adapter to Grafana's HTTP API, one short method per
 * endpoint with that endpoint's status codes mapped to outcomes; splitting it by endpoint would scatter the shared
 * request, retry and error handling it keeps in one place.
 */
public final class HttpGrafanaClient implements GrafanaClient {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int FOLDER_PAGE = 1000;
    private static final int SEARCH_PAGE = 5000;
    /** Keeps search URLs well under common 8 KB request-line limits. */
    private static final int UIDS_PER_QUERY = 50;
    /** Known dashboards to ask about from which one listing of every version is cheaper than a call each. */
    private static final int LISTING_FROM = 8;
    /** Like {@code SyncSettings.concurrency}'s default: four calls in flight per backend. */
    public static final int DEFAULT_READ_CONCURRENCY = 4;

    private final String name;
    private final String base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;
    private final ParallelReads reads;
    private final KnownDashboards known = new KnownDashboards();
    private final DashboardListing listing =
            new DashboardListing((method, path, body, headers) -> send(method, path, body, true, headers));

    /** A client that reads one dashboard at a time, on the caller's thread. */
    public HttpGrafanaClient(String name, URI baseUrl, String token, Duration timeout, HttpClient http) {
        this(name, baseUrl, token, timeout, http, DEFAULT_READ_CONCURRENCY, Runnable::run);
    }

    /**
     * @param readConcurrency the most dashboard reads in flight at once in {@link #dashboards(List)}
     * @param reads where those reads run; owned by the caller. The caller's thread ({@code Runnable::run}) reads one
     *     at a time
     */
    public HttpGrafanaClient(String name, URI baseUrl, String token, Duration timeout, HttpClient http,
            int readConcurrency, Executor reads) {
        this.name = Objects.requireNonNull(name, "name");
        this.reads = new ParallelReads(name, readConcurrency, reads);
        this.base = baseUrl.toString().replaceAll("/+$", "");
        this.token = Objects.requireNonNull(token, "token");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = Objects.requireNonNull(http, "http");
    }

    /** A client with its own {@link HttpClient} and a 10 s request timeout that reads on the caller's thread. */
    public static HttpGrafanaClient create(String name, URI baseUrl, String token) {
        return create(name, baseUrl, token, Runnable::run);
    }

    /** As {@link #create(String, URI, String)}, reading up to four dashboards at once on {@code reads}. */
    public static HttpGrafanaClient create(String name, URI baseUrl, String token, Executor reads) {
        return new HttpGrafanaClient(name, baseUrl, token, Duration.ofSeconds(10),
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), DEFAULT_READ_CONCURRENCY, reads);
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
        // Search names the root folder "general"; its hits carry no folderUid, read back as "".
        return search("folderUIDs", folderUids.stream().map(u -> u.isEmpty() ? "general" : u).toList());
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
        Optional<BackendDashboard> read = send("GET", "/api/dashboards/uid/" + enc(uid), null, true).map(body -> {
            JsonNode d = body.path("dashboard");
            JsonNode meta = body.path("meta");
            ObjectNode json = d.isObject() ? (ObjectNode) d : MAPPER.createObjectNode();
            return new BackendDashboard(json.path("uid").asText(uid), json.path("title").asText(),
                    meta.path("folderUid").asText(""), json, json.path("version").asInt(meta.path("version").asInt()));
        });
        read.ifPresentOrElse(b -> known.record(uid, b.version(), b.json(), b.json().path("id").asLong(0)),
                () -> known.forget(uid));
        return read;
    }

    /**
     * Reads up to {@code readConcurrency} dashboards at once. When many dashboards this client wrote or read before
     * are asked about, the backend's list of every dashboard's version comes first ({@link DashboardListing},
     * Grafana 12): one listed at the version recorded then is not asked about at all. Any other known dashboard is
     * asked for its latest version ({@code GET /api/dashboards/uid/:uid/versions?limit=1}, a few hundred bytes);
     * when that is still the version recorded then, the recorded content is used and the dashboard is not read.
     */
    @Override
    public List<BackendDashboard> dashboards(List<DashboardHit> hits, Map<String, ObjectNode> expected)
            throws GrafanaApiException {
        return dashboards(hits, expected, false);
    }

    @Override
    public List<BackendDashboard> dashboards(List<DashboardHit> hits, Map<String, ObjectNode> expected,
            boolean trustUnchanged) throws GrafanaApiException {
        List<BackendDashboard> out = new ArrayList<>(hits.size());
        List<DashboardHit> ask = new ArrayList<>(hits.size());
        for (DashboardHit h : hits) {
            Optional<Integer> version = trustUnchanged ? known.versionHolding(h.uid(), expected.get(h.uid()))
                    : Optional.empty();
            if (version.isPresent()) {
                out.add(new BackendDashboard(h.uid(), h.title(), h.folderUid(), expected.get(h.uid()), version.get()));
            } else {
                ask.add(h);
            }
        }
        Map<String, DashboardListing.Row> listed = worthListing(ask) ? listing.rows().orElse(Map.of()) : Map.of();
        List<DashboardHit> each = new ArrayList<>(ask.size());
        for (DashboardHit h : ask) {
            DashboardListing.Row row = listed.get(h.uid());
            Optional<ObjectNode> same = row == null ? Optional.empty() : known.at(h.uid(), row.version(), row.id());
            if (same.isPresent()) {
                out.add(new BackendDashboard(h.uid(), h.title(), h.folderUid(), same.get(), row.version()));
                continue;
            }
            if (row != null && !known.sameRow(h.uid(), row.id())) {
                known.forget(h.uid()); // deleted and created again: what was known is of another dashboard
            }
            each.add(h);
        }
        reads.map(each, "reading dashboards", h -> current(h, expected.get(h.uid()))).forEach(d -> d.ifPresent(out::add));
        return out;
    }

    /**
     * Whether listing every dashboard's version ({@link DashboardListing}, a call per {@value DashboardListing#PAGE})
     * saves calls: only when more known dashboards are to be asked about than that one page costs, so a pass after a
     * push, which asks about one or two, does not list the instance.
     */
    private boolean worthListing(List<DashboardHit> ask) {
        return ask.stream().filter(h -> known.has(h.uid())).limit(LISTING_FROM).count() >= LISTING_FROM;
    }

    /** Walks the tree a level at a time, asking for the children of up to {@code readConcurrency} folders at once. */
    @Override
    public List<BackendFolder> folderTree(String rootUid) throws GrafanaApiException {
        Map<String, BackendFolder> folders = new LinkedHashMap<>();
        // "" is General, the instance's root (sync.scope instance): it has no folder to ask for, only children.
        List<BackendFolder> level = rootUid.isEmpty() ? List.of(BackendFolder.GENERAL) : folder(rootUid).stream().toList();
        while (!level.isEmpty()) {
            List<BackendFolder> fresh = level.stream().filter(f -> folders.putIfAbsent(f.uid(), f) == null).toList();
            level = reads.map(fresh, "reading folders", f -> childFolders(f.uid())).stream()
                    .flatMap(List::stream).toList();
        }
        return List.copyOf(folders.values());
    }

    /**
     * One dashboard as the backend holds it now; empty when it was deleted meanwhile. A dashboard that has to be read
     * and equals {@code expected} is remembered and returned as {@code expected}: the tree read is dropped at once.
     */
    private Optional<BackendDashboard> current(DashboardHit hit, ObjectNode expected) throws GrafanaApiException {
        if (known.has(hit.uid())) {
            Optional<JsonNode> versions;
            try {
                versions = send("GET", "/api/dashboards/uid/" + enc(hit.uid()) + "/versions?limit=1", null, true);
            } catch (GrafanaApiException e) {
                versions = Optional.of(MAPPER.createObjectNode()); // e.g. 403 without save permission: read instead
            }
            if (versions.isEmpty()) {
                known.forget(hit.uid());
                return Optional.empty();
            }
            // Grafana up to 11.4 answers a bare array, later versions {"continueToken":..., "versions": [...]}.
            JsonNode list = versions.get().isArray() ? versions.get() : versions.get().path("versions");
            JsonNode latest = list.path(0).path("version");
            if (latest.isInt()) {
                Optional<ObjectNode> same = known.at(hit.uid(), latest.asInt());
                if (same.isPresent()) {
                    return Optional.of(new BackendDashboard(hit.uid(), hit.title(), hit.folderUid(), same.get(),
                            latest.asInt()));
                }
            }
        }
        Optional<BackendDashboard> read = dashboard(hit.uid());
        if (expected != null && read.isPresent() && SameContent.same(expected, read.get().json())) {
            BackendDashboard b = read.get();
            known.record(hit.uid(), b.version(), expected, b.json().path("id").asLong(0));
            return Optional.of(new BackendDashboard(b.uid(), b.title(), b.folderUid(), expected, b.version()));
        }
        return read;
    }

    @Override
    public SaveResult saveDashboard(ObjectNode dashboard, String folderUid, String message)
            throws GrafanaApiException {
        return save(dashboard, folderUid, message, -1);
    }

    @Override
    public SaveResult saveDashboard(ObjectNode dashboard, String folderUid, String message, int expectedVersion)
            throws GrafanaApiException {
        return save(dashboard, folderUid, message, expectedVersion);
    }

    /** {@code expectedVersion} below 0: overwrite whatever is there. */
    private SaveResult save(ObjectNode dashboard, String folderUid, String message, int expectedVersion)
            throws GrafanaApiException {
        ObjectNode body = MAPPER.createObjectNode();
        // A shallow copy: only the top level changes, and copying a large dashboard deeply costs time and memory.
        ObjectNode d = MAPPER.createObjectNode().setAll(dashboard);
        d.remove("id");
        d.remove("version");
        if (expectedVersion >= 0) {
            d.put("version", expectedVersion);
        }
        body.set("dashboard", d);
        body.put("folderUid", folderUid);
        body.put("message", message);
        body.put("overwrite", expectedVersion < 0);
        JsonNode r = send("POST", "/api/dashboards/db", body, false).orElseThrow();
        SaveResult saved = new SaveResult(r.path("uid").asText(), r.path("version").asInt(), r.path("url").asText());
        String uid = dashboard.path("uid").asText(saved.uid());
        if (r.path("version").isInt() && uid.equals(saved.uid())) {
            known.record(uid, saved.version(), dashboard, r.path("id").asLong(0));
        } else {
            known.forget(uid);
        }
        return saved;
    }

    @Override
    public void deleteDashboard(String uid) throws GrafanaApiException {
        known.forget(uid);
        send("DELETE", "/api/dashboards/uid/" + enc(uid), null, true);
    }

    @Override
    public void createFolder(String uid, String title, Optional<String> parentUid) throws GrafanaApiException {
        ObjectNode body = MAPPER.createObjectNode().put("uid", uid).put("title", title);
        parentUid.filter(p -> !p.isEmpty()).ifPresent(p -> body.put("parentUid", p));
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
        known.forgetAll(); // Grafana deletes the dashboards inside, and this client does not know which they are
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

    @Override
    public Optional<ObjectNode> versionData(String uid, int version) throws GrafanaApiException {
        String path = "/api/dashboards/uid/" + enc(uid) + "/versions/" + version;
        Optional<JsonNode> body = send("GET", path, null, true);
        if (body.isEmpty()) {
            return Optional.empty();
        }
        if (!(body.get().path("data") instanceof ObjectNode data)) {
            throw new GrafanaApiException(name, "GET " + path, 200, "no dashboard in \"data\"");
        }
        return Optional.of(data);
    }

    @Override
    public Optional<JsonApi> jsonApi() {
        return Optional.of(new JsonApi() {
            @Override
            public Optional<JsonNode> call(String method, String path, JsonNode body, Map<String, String> headers)
                    throws GrafanaApiException {
                return send(method, path, body, true, headers);
            }

            /** In parallel on the read threads, as many at once as dashboard reads. */
            @Override
            public List<Optional<JsonNode>> getAll(List<String> paths) throws GrafanaApiException {
                return reads.map(paths, "GET " + String.join(", ", paths), path -> send("GET", path, null, true, Map.of()));
            }
        });
    }

    /** Sends one call; a 404 gives empty when {@code notFoundIsEmpty}, any other non-2xx throws. */
    @Override
    public Optional<JsonNode> call(String method, String path, JsonNode body) throws GrafanaApiException {
        return send(method, path, body, true);
    }

    private Optional<JsonNode> send(String method, String path, JsonNode body, boolean notFoundIsEmpty)
            throws GrafanaApiException {
        return send(method, path, body, notFoundIsEmpty, Map.of());
    }

    private Optional<JsonNode> send(String method, String path, JsonNode body, boolean notFoundIsEmpty,
            Map<String, String> headers) throws GrafanaApiException {
        String call = method + " " + path;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
        headers.forEach(request::setHeader); // in place of the defaults above (Accept): a second one goes unread
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
