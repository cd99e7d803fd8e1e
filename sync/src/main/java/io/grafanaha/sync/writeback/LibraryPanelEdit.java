package io.grafanaha.sync.writeback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.library.BackendLibraryPanel;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a library panel save relayed by the gateway put on its backend ({@code POST /api/library-elements} or
 * {@code PATCH /api/library-elements/:uid}), taken from Grafana's answer, {@code {"result": LibraryElementDTO}}, rather
 * than read back later: journaled with the edit, so it is committed even when the instance is gone by then.
 *
 * @param panel the element as saved, with the version Grafana gave it
 * @param from the {@code version} the PATCH was made over (the version its editor had loaded on that instance); empty
 *     for a create, which is made over nothing
 */
public record LibraryPanelEdit(BackendLibraryPanel panel, OptionalInt from) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@code kind} of a library panel; 2 (a library variable) is not synced. */
    private static final int PANEL = 1;

    public LibraryPanelEdit {
        Objects.requireNonNull(panel, "panel");
        Objects.requireNonNull(from, "from");
    }

    /**
     * The save from the request and response bodies as relayed; empty when the answer is not a library panel's (not
     * JSON, no {@code result} object with a uid, a name, a model and a version, or a library variable).
     */
    public static Optional<LibraryPanelEdit> fromExchange(byte[] request, byte[] response) {
        try {
            JsonNode res = JSON.readTree(response);
            JsonNode req = request == null || request.length == 0 ? null : JSON.readTree(request);
            if (res == null || !(res.path("result") instanceof ObjectNode result)) {
                return Optional.empty();
            }
            OptionalInt from = req != null && req.path("version").isIntegralNumber()
                    ? OptionalInt.of(req.path("version").asInt()) : OptionalInt.empty();
            return panel(result).map(p -> new LibraryPanelEdit(p, from));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The journal's form: {@code {"panel":{"uid":..,"name":..,"folderUid":..,"model":{..},"version":N},"from":N}}. */
    ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        ObjectNode p = n.putObject("panel").put("uid", panel.uid()).put("name", panel.name()).put("kind", PANEL)
                .put("folderUid", panel.folderUid());
        p.set("model", panel.model());
        p.put("version", panel.version());
        from.ifPresent(v -> n.put("from", v));
        return n;
    }

    static Optional<LibraryPanelEdit> fromJson(JsonNode n) {
        if (n == null || !(n.path("panel") instanceof ObjectNode p)) {
            return Optional.empty();
        }
        OptionalInt from = n.path("from").isIntegralNumber() ? OptionalInt.of(n.path("from").asInt())
                : OptionalInt.empty();
        return panel(p).map(panel -> new LibraryPanelEdit(panel, from));
    }

    private static Optional<BackendLibraryPanel> panel(ObjectNode e) {
        if (!e.path("uid").isTextual() || e.path("uid").asText().isEmpty() || !e.path("name").isTextual()
                || !(e.path("model") instanceof ObjectNode model) || !e.path("version").canConvertToInt()
                || e.path("kind").asInt(PANEL) != PANEL) {
            return Optional.empty();
        }
        return Optional.of(new BackendLibraryPanel(e.path("uid").asText(), e.path("name").asText(),
                e.path("folderUid").asText(""), model, e.path("version").asInt()));
    }
}
