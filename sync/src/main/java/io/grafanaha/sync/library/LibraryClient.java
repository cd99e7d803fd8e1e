package io.grafanaha.sync.library;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.GrafanaClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@code /api/library-elements} of one backend, library panels ({@code kind} 1) only. */
public final class LibraryClient {
    private static final int PER_PAGE = 100;
    private static final int PANEL = 1;

    private final GrafanaClient client;

    public LibraryClient(GrafanaClient client) {
        this.client = client;
    }

    String backend() {
        return client.name();
    }

    /**
     * Every library panel, all pages. A Grafana without the API (before 8.0, or a stand-in that answers 404) holds
     * none: creating one there then fails, naming the call.
     */
    public List<BackendLibraryPanel> list() throws GrafanaApiException {
        List<BackendLibraryPanel> out = new ArrayList<>();
        for (int page = 1; ; page++) {
            Optional<JsonNode> answer = client.call("GET", "/api/library-elements?kind=" + PANEL + "&perPage="
                    + PER_PAGE + "&page=" + page, null);
            if (answer.isEmpty()) {
                return out;
            }
            JsonNode result = answer.get().path("result");
            JsonNode elements = result.path("elements");
            elements.forEach(e -> out.add(toPanel(e)));
            if (elements.size() < PER_PAGE || out.size() >= result.path("totalCount").asInt(0)) {
                return out;
            }
        }
    }

    /** {@code GET /api/library-elements/:uid}; empty when it does not exist. */
    Optional<BackendLibraryPanel> get(String uid) throws GrafanaApiException {
        return client.call("GET", "/api/library-elements/" + enc(uid), null).map(r -> toPanel(r.path("result")));
    }

    void create(DesiredLibraryPanel p) throws GrafanaApiException {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("uid", p.uid()).put("name", p.name())
                .put("kind", PANEL).put("folderUid", p.folderUid());
        body.set("model", p.model());
        client.call("POST", "/api/library-elements", body);
    }

    /** {@code PATCH} over {@code version}: Grafana answers 412 when a user saved it since it was read. */
    void update(DesiredLibraryPanel p, int version) throws GrafanaApiException {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("name", p.name()).put("kind", PANEL)
                .put("folderUid", p.folderUid()).put("version", version);
        body.set("model", p.model());
        if (client.call("PATCH", "/api/library-elements/" + enc(p.uid()), body).isEmpty()) {
            throw new GrafanaApiException(client.name(), "PATCH /api/library-elements/" + p.uid(), 404,
                    "library element could not be found");
        }
    }

    /** A panel already gone is not an error; one still used by a dashboard is (Grafana answers 403). */
    void delete(String uid) throws GrafanaApiException {
        client.call("DELETE", "/api/library-elements/" + enc(uid), null);
    }

    private static BackendLibraryPanel toPanel(JsonNode e) {
        ObjectNode model = e.path("model") instanceof ObjectNode m ? m : JsonNodeFactory.instance.objectNode();
        return new BackendLibraryPanel(e.path("uid").asText(), e.path("name").asText(),
                e.path("folderUid").asText(""), model, e.path("version").asInt());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
