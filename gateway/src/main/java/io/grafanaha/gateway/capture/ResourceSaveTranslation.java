package io.grafanaha.gateway.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.GrafanaClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SaveTranslation}'s counterpart for Grafana 12's dashboard resource API (grafana-api.md §1.10). The UI's save
 * there is {@code PUT .../dashboards/<uid>} with {@code metadata.resourceVersion}, an opaque per-instance string that
 * Grafana compares with its current one (409 Conflict when they differ). After a failover or a round-robin hop the
 * user's resource version is another instance's, so before such a save is forwarded the serving instance's current
 * copy is read, and:
 *
 * <ul>
 *   <li>it is the serving instance's current resource version (and meant no other content elsewhere): unchanged;
 *   <li>the content that resource version stood for where the user read it (as the gateway saw it, {@link
 *       ResourceVersionLedger}) is the serving instance's current content: {@code metadata.resourceVersion} is rewritten
 *       to the serving instance's (and a {@code spec.id}, {@code spec.version} or internal-id label to its numbers), so
 *       Grafana's own optimistic lock still guards the save against anything that changes meanwhile;
 *   <li>it stood for other content: the client gets the 409 Conflict the serving instance itself would answer; a real
 *       conflict is never let through;
 *   <li>the gateway never saw that resource version elsewhere: unchanged, and the serving instance's own lock answers
 *       (409, as the version is not its current one).
 * </ul>
 *
 * A create ({@code POST}, no resource version) and an update without one are unconditional: never translated.
 * Anything the gateway cannot read forwards the save unchanged, for Grafana to decide.
 */
public final class ResourceSaveTranslation {
    private static final Logger log = LoggerFactory.getLogger(ResourceSaveTranslation.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads a backend's resource (a GET of {@code path}), off the event loop; empty when it holds none. */
    @FunctionalInterface
    public interface Reader {
        CompletionStage<Optional<JsonNode>> read(String backend, String path);
    }

    private final DashboardLedger ledger;
    private final ResourceVersionLedger versions = new ResourceVersionLedger();
    private final Reader reader;
    private final TranslationCounts counts;

    /** @param ledger the numeric ledger the legacy {@link SaveTranslation} reads too: what is learnt here serves both */
    public ResourceSaveTranslation(DashboardLedger ledger, Reader reader) {
        this(ledger, reader, new TranslationCounts());
    }

    /** With {@code counts}, each save it decides is counted there (shared with {@link SaveTranslation}'s). */
    public ResourceSaveTranslation(DashboardLedger ledger, Reader reader, TranslationCounts counts) {
        this.ledger = ledger;
        this.reader = reader;
        this.counts = counts;
    }

    /** A reader that asks each backend's sync client (with the backend's API token) on {@code reads}. */
    public static Reader clientReader(Map<String, GrafanaClient> clients, Executor reads) {
        return (backend, path) -> {
            GrafanaClient client = clients.get(backend);
            if (client == null) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return client.call("GET", path, null);
                } catch (GrafanaApiException e) {
                    throw new CompletionException(e);
                }
            }, reads);
        };
    }

    /** Whether {@code save} is one to translate: an update that names the resource version it is based on. */
    static boolean applies(GrafanaWrite.DashboardResourceSave save) {
        return save.conditional();
    }

    /** Learns from a resource answer ({@code GET}, {@code /dto}, or a save's response) of {@code backend}. */
    void learn(String backend, DashboardResources.Answer answer) {
        String fingerprint = DashboardLedger.fingerprint(answer.spec());
        versions.learn(backend, answer.name(), answer.resourceVersion(), fingerprint);
        // The dashboard's own version is in the spec (legacy storage keeps it there); generation is not relied on.
        JsonNode version = answer.spec().path("version");
        if (version.isIntegralNumber()) {
            ledger.learn(backend, answer.name(), answer.id(), version.asInt(), fingerprint);
        }
    }

    /**
     * Decides what becomes of {@code save} (body {@code body}, sent to {@code path}) on {@code backend}; the stage
     * completes on the reader's thread. A failed read forwards the save unchanged.
     */
    public CompletionStage<SaveTranslation.Outcome> translate(String backend, String path, GrafanaWrite.DashboardResourceSave save,
            byte[] body) {
        String uid = save.name().orElseThrow();
        String item = DashboardResources.parse(path).map(DashboardResources.Path::item).orElse(path);
        return reader.read(backend, item)
                .thenApply(read -> {
                    Optional<DashboardResources.Answer> serving = read.flatMap(DashboardResources::answer);
                    serving.ifPresent(a -> learn(backend, a));
                    return decide(backend, uid, save.resourceVersion().orElseThrow(), serving, body);
                })
                .exceptionally(e -> {
                    log.warn("could not read dashboard {} on {} before a save; forwarding it unchanged: {}", uid, backend,
                            e.getMessage());
                    return counts.counted(SaveTranslation.Result.FORWARDED,
                            new SaveTranslation.Outcome.Unchanged("read failed"));
                });
    }

    /** The ladder, on what was read. */
    SaveTranslation.Outcome decide(String backend, String uid, String resourceVersion,
            Optional<DashboardResources.Answer> serving, byte[] body) {
        if (serving.isEmpty()) {
            return counts.counted(SaveTranslation.Result.FORWARDED,
                    new SaveTranslation.Outcome.Unchanged("not on " + backend));
        }
        DashboardResources.Answer now = serving.get();
        String current = DashboardLedger.fingerprint(now.spec());
        Set<String> startedFrom = versions.contents(uid, resourceVersion, backend);
        if (resourceVersion.equals(now.resourceVersion())) {
            if (!startedFrom.isEmpty() && !startedFrom.equals(Set.of(current))) {
                log.info("save of dashboard {} on {} refused with 409: resource version {} stood for other content elsewhere",
                        uid, backend, resourceVersion);
                return counts.counted(SaveTranslation.Result.REFUSED_AMBIGUOUS,
                        new SaveTranslation.Outcome.Refused(DashboardResources.conflict(uid),
                                "same resource version, other content"));
            }
            return counts.counted(SaveTranslation.Result.FORWARDED,
                    new SaveTranslation.Outcome.Unchanged("already " + backend + "'s resource version"));
        }
        if (startedFrom.isEmpty()) {
            return counts.counted(SaveTranslation.Result.FORWARDED,
                    new SaveTranslation.Outcome.Unchanged("resource version not seen elsewhere; " + backend + " decides"));
        }
        if (!startedFrom.equals(Set.of(current))) {
            log.info("save of dashboard {} (resource version {}) on {} refused with 409: {} changed it since (now {})",
                    uid, resourceVersion, backend, backend, now.resourceVersion());
            return counts.counted(SaveTranslation.Result.REFUSED_CHANGED,
                    new SaveTranslation.Outcome.Refused(DashboardResources.conflict(uid), "changed on " + backend));
        }
        log.info("save of dashboard {} translated to {}: resource version {} -> {} (same content)", uid, backend,
                resourceVersion, now.resourceVersion());
        int version = now.spec().path("version").asInt(now.generation());
        return counts.counted(SaveTranslation.Result.TRANSLATED, new SaveTranslation.Outcome.Rewritten(
                rewrite(body, now, version), new SaveTranslation.Current(now.id(), version, current)));
    }

    /** The body with the serving instance's resource version, and its id and version where the body names them. */
    private static byte[] rewrite(byte[] body, DashboardResources.Answer to, int version) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(body);
            ObjectNode metadata = (ObjectNode) root.get("metadata");
            metadata.put("resourceVersion", to.resourceVersion());
            if (metadata.get("labels") instanceof ObjectNode labels && labels.has(DashboardResources.INTERNAL_ID)) {
                labels.put(DashboardResources.INTERNAL_ID, Long.toString(to.id()));
            }
            if (root.get("spec") instanceof ObjectNode spec) {
                if (spec.has("id")) {
                    spec.put("id", to.id());
                }
                if (spec.has("version")) {
                    spec.put("version", version);
                }
            }
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException("a classified conditional resource save body is a JSON object with metadata", e);
        }
    }
}
