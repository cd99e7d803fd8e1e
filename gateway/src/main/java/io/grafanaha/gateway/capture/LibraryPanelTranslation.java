package io.grafanaha.gateway.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.gateway.proxy.LocalResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SaveTranslation}'s counterpart for library panels. Every Grafana counts a library element's versions on its
 * own, and the UI saves one with {@code PATCH /api/library-elements/:uid} naming the {@code version} it loaded (412
 * "the library element has been changed by someone else" unless it is current). The sync writes Git's panels to each
 * instance, so the same content is version 3 on the primary and version 1 on the replica; a panel loaded from one and
 * saved on the other after a failover or a round-robin hop would get a 412 nobody caused. So before such a save is
 * forwarded, the serving instance's current copy is read, and:
 *
 * <ul>
 *   <li>the version is the serving instance's current one (and stood for no other content elsewhere): unchanged;
 *   <li>the content that version stood for where the user loaded it (as the gateway saw it) is the serving instance's
 *       current content: {@code version} is rewritten to the serving instance's, so Grafana's own optimistic lock still
 *       guards the save against anything that changes meanwhile;
 *   <li>it stood for other content: unchanged, and the serving instance's own lock answers 412, as for a concurrent
 *       edit on one instance; if the version happens to be the serving instance's current one, the gateway answers
 *       that 412 itself: a real conflict is never let through;
 *   <li>the gateway never saw that version elsewhere, or cannot read the serving copy: unchanged, for Grafana to decide.
 * </ul>
 *
 * What a version stood for is learnt from the loads ({@code GET /api/library-elements/:uid}) and saves the gateway
 * proxies, and from the reads made here. The content compared is the panel's name, folder and model.
 */
public final class LibraryPanelTranslation {
    private static final Logger log = LoggerFactory.getLogger(LibraryPanelTranslation.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MISMATCH = "the library element has been changed by someone else";

    /** One backend's copy of a library element, as its API answers it ({@code result}). */
    record Copy(String uid, long id, int version, String fingerprint) {
        /** The copy an answer ({@code {"result": {...}}}) holds; empty for anything else. */
        static Optional<Copy> of(JsonNode answer) {
            JsonNode result = answer.path("result");
            if (!result.path("uid").isTextual() || !result.path("version").isIntegralNumber()) {
                return Optional.empty();
            }
            return Optional.of(new Copy(result.get("uid").asText(), result.path("id").asLong(),
                    result.get("version").asInt(), LibraryPanelTranslation.fingerprint(result)));
        }
    }

    private final ResourceVersionLedger versions = new ResourceVersionLedger();
    private final ResourceSaveTranslation.Reader reader;

    /** @param reader reads a backend's {@code GET /api/library-elements/:uid}, off the event loop */
    public LibraryPanelTranslation(ResourceSaveTranslation.Reader reader) {
        this.reader = reader;
    }

    /** Whether {@code update} is one to translate: it names the version it is based on. */
    static boolean applies(GrafanaWrite.LibraryPanelUpdate update) {
        return update.version().isPresent();
    }

    /** Learns from a load's or a save's answer on {@code backend}; what is not a library element teaches nothing. */
    void learn(String backend, byte[] answer) {
        try {
            Copy.of(JSON.readTree(answer)).ifPresent(c -> versions.learn(backend, c.uid(), Integer.toString(c.version()),
                    c.fingerprint()));
        } catch (IOException | RuntimeException e) {
            log.debug("nothing learnt from a library element answer: {}", e.toString());
        }
    }

    /** Decides what becomes of {@code update} (body {@code body}) on {@code backend}; a failed read forwards it unchanged. */
    public CompletionStage<SaveTranslation.Outcome> translate(String backend, GrafanaWrite.LibraryPanelUpdate update,
            byte[] body) {
        String uid = update.uid();
        int version = (int) update.version().orElseThrow();
        return reader.read(backend, "/api/library-elements/" + URLEncoder.encode(uid, StandardCharsets.UTF_8))
                .thenApply(read -> {
                    Optional<Copy> serving = read.flatMap(Copy::of);
                    serving.ifPresent(c -> versions.learn(backend, uid, Integer.toString(c.version()), c.fingerprint()));
                    return decide(backend, uid, version, serving, body);
                })
                .exceptionally(e -> {
                    log.warn("could not read library panel {} on {} before a save; forwarding it unchanged: {}", uid,
                            backend, e.getMessage());
                    return new SaveTranslation.Outcome.Unchanged("read failed");
                });
    }

    /** The ladder, on what was read. */
    SaveTranslation.Outcome decide(String backend, String uid, int version, Optional<Copy> serving, byte[] body) {
        if (serving.isEmpty()) {
            return new SaveTranslation.Outcome.Unchanged("not on " + backend);
        }
        Copy now = serving.get();
        Set<String> startedFrom = versions.contents(uid, Integer.toString(version), backend);
        if (version == now.version()) {
            if (!startedFrom.isEmpty() && !startedFrom.equals(Set.of(now.fingerprint()))) {
                log.info("save of library panel {} on {} refused with 412: version {} stood for other content elsewhere",
                        uid, backend, version);
                return new SaveTranslation.Outcome.Refused(mismatch(), "same version, other content");
            }
            return new SaveTranslation.Outcome.Unchanged("already " + backend + "'s version");
        }
        if (!startedFrom.equals(Set.of(now.fingerprint()))) {
            // Never seen elsewhere, or changed since: the serving instance's own lock answers (412).
            return new SaveTranslation.Outcome.Unchanged("version " + version + " is not " + backend + "'s; it decides");
        }
        log.info("save of library panel {} translated to {}: version {} -> {} (same content)", uid, backend, version,
                now.version());
        return new SaveTranslation.Outcome.Rewritten(rewrite(body, now.version()),
                new SaveTranslation.Current(now.id(), now.version(), now.fingerprint()));
    }

    /** Grafana's answer to a library panel save over a version that is not current. */
    static LocalResponse mismatch() {
        ObjectNode body = JSON.createObjectNode().put("message", MISMATCH).put("traceID", "");
        return LocalResponse.json(412, body.toString());
    }

    /** The content a save or a copy stands for: name, folder and model, not the instance's numbers or metadata. */
    static String fingerprint(JsonNode element) {
        ObjectNode content = JSON.createObjectNode();
        content.put("name", element.path("name").asText(""));
        content.put("folderUid", element.path("folderUid").asText(""));
        content.set("model", element.path("model"));
        return DashboardLedger.fingerprint(content);
    }

    private static byte[] rewrite(byte[] body, int version) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(body);
            root.put("version", version);
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException("a classified library panel update is a JSON object", e);
        }
    }
}
