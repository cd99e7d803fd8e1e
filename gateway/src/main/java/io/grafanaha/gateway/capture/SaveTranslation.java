package io.grafanaha.gateway.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.gateway.proxy.LocalResponse;
import io.grafanaha.sync.grafana.GrafanaClient;
import io.grafanaha.sync.grafana.GrafanaApiException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates a dashboard save to the instance that serves it. Without a shared database every Grafana numbers
 * dashboards and counts versions on its own: a dashboard loaded from the primary (id 6, version 5 there) and saved
 * after a failover to the replica (id 4, version 3 there) would get {@code 400 "A dashboard with the same uid already
 * exists"} or a 412 no other user caused. So before such a save is forwarded, the serving instance's current copy is
 * read, and:
 *
 * <ul>
 *   <li>the body's {@code id} and {@code version} are those of the serving instance already: it goes unchanged;
 *   <li>the version the user started from (as the {@link DashboardLedger} saw it on another backend with that id,
 *       and, when the id is the serving instance's own, that version in its own history) holds the same content as the serving instance's current version (Git-synced identical content counts as
 *       the same): {@code dashboard.id} and {@code dashboard.version} are rewritten to the serving instance's, so
 *       Grafana's own optimistic lock still guards the save against anything that changes meanwhile;
 *   <li>it held other content, or the gateway cannot tell what it held while the id is another instance's: the
 *       client gets Grafana's own 412 ("changed by someone else"), as for a concurrent edit on one instance: a real
 *       conflict is never let through.
 * </ul>
 *
 * Anything the gateway cannot read (the serving instance does not hold the dashboard, or the read fails) forwards
 * the save unchanged, for Grafana to decide as it does today.
 */
public final class SaveTranslation {
    private static final Logger log = LoggerFactory.getLogger(SaveTranslation.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One backend's current copy of a dashboard. */
    public record Current(long id, int version, String fingerprint) {}

    /** Reads a backend's copies of a dashboard, off the event loop. */
    @FunctionalInterface
    public interface Reader {
        /** The current copy; empty when the backend holds none. */
        CompletionStage<Optional<Current>> current(String backend, String uid);

        /** The fingerprint of version {@code version} in the backend's history; empty when it has none (or cannot say). */
        default CompletionStage<Optional<String>> version(String backend, String uid, int version) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
    }

    /**
     * How a checked save went, each counted under its label in {@code gateway_save_translations_total{outcome}}
     * ({@link TranslationCounts}): an operator sees how many saves crossed instances, and how many were refused and why.
     */
    public enum Result {
        /** Rewritten to the serving instance's id and version. */
        TRANSLATED("translated"),
        /** Forwarded as the client sent it (already the serving instance's numbers, or nothing to check it against). */
        FORWARDED("forwarded"),
        /** Refused: the content the user started from is not the serving instance's now (a real conflict). */
        REFUSED_CHANGED("refused-changed"),
        /** Refused: the numbers stand for more than one content the gateway has seen, the current one among them. */
        REFUSED_AMBIGUOUS("refused-ambiguous"),
        /** Refused: another instance's id with a version the gateway never saw. */
        REFUSED_UNSEEN("refused-unseen");

        private final String label;

        Result(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** What becomes of one save. */
    public sealed interface Outcome {
        /** Forward the client's body. */
        record Unchanged(String reason) implements Outcome {}

        /** Forward {@code body}: the client's, with the serving instance's id and version. */
        record Rewritten(byte[] body, Current to) implements Outcome {}

        /** Answer the client; no backend sees the save. */
        record Refused(LocalResponse response, String reason) implements Outcome {}
    }

    private final DashboardLedger ledger;
    private final Reader reader;
    private final SaveCatchUp catchUp;
    private final TranslationCounts counts;

    public SaveTranslation(DashboardLedger ledger, Reader reader) {
        this(ledger, reader, SaveCatchUp.NONE, new TranslationCounts());
    }

    /** With {@code catchUp}, the serving instance is first brought up to the content the user started from. */
    public SaveTranslation(DashboardLedger ledger, Reader reader, SaveCatchUp catchUp, TranslationCounts counts) {
        this.ledger = ledger;
        this.reader = reader;
        this.catchUp = catchUp;
        this.counts = counts;
    }

    /** How many saves went {@code result} since start (with the resource API's, when the counts are shared). */
    public long count(Result result) {
        return counts.count(result);
    }

    /**
     * A reader that asks each backend's sync client ({@code GET /api/dashboards/uid/:uid} with the backend's API
     * token) on {@code reads}, and teaches {@code ledger} what it read.
     */
    public static Reader clientReader(Map<String, GrafanaClient> clients, DashboardLedger ledger, Executor reads) {
        return new Reader() {
            @Override
            public CompletionStage<Optional<Current>> current(String backend, String uid) {
                return read(backend, client -> client.dashboard(uid).flatMap(d -> {
                    ledger.learn(backend, d.json());
                    JsonNode id = d.json().path("id");
                    return id.isIntegralNumber()
                            ? Optional.of(new Current(id.asLong(), d.version(), DashboardLedger.fingerprint(d.json())))
                            : Optional.<Current>empty();
                }));
            }

            @Override
            public CompletionStage<Optional<String>> version(String backend, String uid, int version) {
                return read(backend, client -> client.versionData(uid, version).map(DashboardLedger::fingerprint));
            }

            private <T> CompletionStage<Optional<T>> read(String backend, Call<T> call) {
                GrafanaClient client = clients.get(backend);
                if (client == null) {
                    return CompletableFuture.completedFuture(Optional.empty());
                }
                return CompletableFuture.supplyAsync(() -> {
                    try {
                        return call.on(client);
                    } catch (GrafanaApiException e) {
                        throw new CompletionException(e);
                    }
                }, reads);
            }
        };
    }

    private interface Call<T> {
        Optional<T> on(GrafanaClient client) throws GrafanaApiException;
    }

    public DashboardLedger ledger() {
        return ledger;
    }

    public SaveCatchUp catchUp() {
        return catchUp;
    }

    /** Whether {@code save} is one to translate: an update of a known uid that does not ask to overwrite. */
    static boolean applies(GrafanaWrite.DashboardSave save) {
        return save.uid().isPresent() && !save.overwrite();
    }

    /**
     * Decides what becomes of {@code save} (body {@code body}) on {@code backend}; the stage completes on the
     * reader's thread. A failed read forwards the save unchanged.
     */
    public CompletionStage<Outcome> translate(String backend, GrafanaWrite.DashboardSave save, byte[] body) {
        String uid = save.uid().orElseThrow();
        OptionalLong id = requestId(body);
        int version = (int) save.version().orElse(0);
        return catchUp.before(backend, uid, id, version).thenCompose(caughtUp -> reader.current(backend, uid))
                .thenCompose(current -> ownVersion(backend, uid, id, version, current)
                        .thenApply(own -> decide(backend, uid, id, version, current, own, body)))
                .exceptionally(e -> {
                    log.warn("could not read dashboard {} on {} before a save; forwarding it unchanged: {}", uid, backend,
                            e.getMessage());
                    return counts.counted(Result.FORWARDED, new Outcome.Unchanged("read failed"));
                });
    }

    /**
     * When the id is the serving instance's (or absent), the user may have started from that instance's own version
     * {@code version}, not another's that happens to carry the same numbers: its content counts as a candidate too.
     */
    private CompletionStage<Optional<String>> ownVersion(String backend, String uid, OptionalLong id, int version,
            Optional<Current> serving) {
        if (serving.isEmpty() || version == serving.get().version() || !(id.isEmpty() || id.getAsLong() == serving.get().id())
                || version <= 0) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        Optional<String> known = ledger.content(backend, uid, version, serving.get().id());
        return known.isPresent() ? CompletableFuture.completedFuture(known) : reader.version(backend, uid, version);
    }

    /**
     * The ladder, on what was read.
     *
     * @param own the content of version {@code version} in the serving instance's own history, when the id is its own
     */
    Outcome decide(String backend, String uid, OptionalLong id, int version, Optional<Current> serving,
            Optional<String> own, byte[] body) {
        if (serving.isEmpty()) {
            return counts.counted(Result.FORWARDED, new Outcome.Unchanged("not on " + backend));
        }
        Current now = serving.get();
        boolean sameId = id.isEmpty() || id.getAsLong() == now.id();
        if (sameId && version == now.version()) {
            return counts.counted(Result.FORWARDED, new Outcome.Unchanged("already " + backend + "'s id and version"));
        }
        Set<String> startedFrom = new HashSet<>(ledger.contents(uid, version, id, backend));
        own.ifPresent(startedFrom::add);
        if (startedFrom.isEmpty()) {
            if (sameId) {
                // An older version of this very instance's copy, as far as the gateway knows: Grafana decides (412).
                return counts.counted(Result.FORWARDED,
                        new Outcome.Unchanged("based on an older version of " + backend + "'s copy"));
            }
            log.info("save of dashboard {} (id {}, version {}) on {} refused with 412: the gateway never saw that version",
                    uid, id.getAsLong(), version, backend);
            return counts.counted(Result.REFUSED_UNSEEN, new Outcome.Refused(GrafanaWrites.dashboardVersionMismatch(),
                    "unknown version"));
        }
        if (startedFrom.size() > 1 && startedFrom.contains(now.fingerprint())) {
            // The page may hold these numbers from a translated save whose content the serving copy holds now, or
            // from an older copy it read long ago (a tab still open): translating would overwrite later edits in
            // the second case without a word, so the page is told to reload, as Grafana tells a stale page.
            log.info("save of dashboard {} (id {}, version {}) on {} refused with 412: those numbers stand for {} contents"
                    + " the gateway has seen, {}'s current one among them, so it cannot tell which one the page started from"
                    + " (content {}, started from {})", uid, id.isPresent() ? id.getAsLong() : "none", version, backend,
                    startedFrom.size(), backend, shortly(now.fingerprint()),
                    startedFrom.stream().map(SaveTranslation::shortly).sorted().toList());
            return counts.counted(Result.REFUSED_AMBIGUOUS, new Outcome.Refused(GrafanaWrites.dashboardVersionMismatch(),
                    "ambiguous numbers"));
        }
        if (!startedFrom.equals(Set.of(now.fingerprint()))) {
            // The contents' fingerprints, shortened, say in the log which copies disagreed when a refusal surprises.
            log.info("save of dashboard {} (version {}) on {} refused with 412: {} changed it since (now version {};"
                    + " content {}, started from {})", uid, version, backend, backend, now.version(), shortly(now.fingerprint()),
                    startedFrom.stream().map(SaveTranslation::shortly).sorted().toList());
            return counts.counted(Result.REFUSED_CHANGED, new Outcome.Refused(GrafanaWrites.dashboardVersionMismatch(),
                    "changed on " + backend));
        }
        log.info("save of dashboard {} translated to {}: id {} -> {}, version {} -> {} (same content)", uid, backend,
                id.isPresent() ? id.getAsLong() : "none", now.id(), version, now.version());
        return counts.counted(Result.TRANSLATED, new Outcome.Rewritten(rewrite(body, now), now));
    }

    private static String shortly(String fingerprint) {
        return fingerprint.substring(0, Math.min(12, fingerprint.length()));
    }

    private static OptionalLong requestId(byte[] body) {
        try {
            JsonNode id = JSON.readTree(body).path("dashboard").path("id");
            return id.isIntegralNumber() ? OptionalLong.of(id.asLong()) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** The body with {@code dashboard.id} and {@code dashboard.version} set to {@code to}'s, all else as it was. */
    private static byte[] rewrite(byte[] body, Current to) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(body);
            ObjectNode dashboard = (ObjectNode) root.get("dashboard");
            dashboard.put("id", to.id());
            dashboard.put("version", to.version());
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException("a classified save body is JSON", e);
        }
    }
}
