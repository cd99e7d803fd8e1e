package io.grafanaha.gateway.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.proxy.LocalResponse;
import io.grafanaha.gateway.proxy.ObservedRequest;
import io.grafanaha.gateway.proxy.RequestObserver;
import io.grafanaha.health.Backend;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the proxy's neutral {@link RequestObserver} hook means for Grafana: the writes {@link GrafanaWrites}
 * knows are watched (and counted by their kind), each is read once when its body is complete, and its
 * 2xx response goes to the {@link EditObserver}, whose answer is the response's release gate.
 *
 * <p>With a {@link SaveTranslation}, dashboard loads ({@code GET /api/dashboards/uid/:uid}, counted as
 * {@value #DASHBOARD_LOAD}) and successful saves also teach its {@link DashboardLedger} which backend holds which
 * version of which content, and a save is translated to the instance that serves it before it is forwarded. With a
 * {@link ResourceSaveTranslation}, the same holds for Grafana 12's resource API (loads of
 * {@code /apis/dashboard.grafana.app/.../dashboards/<uid>[/dto]}, saves with {@code metadata.resourceVersion}).
 * A load or a save on an instance that lacks the newest acknowledged save of that dashboard brings it up first
 * ({@link SaveCatchUp}). With a {@link LibraryPanelTranslation}, library panel loads (counted as
 * {@value #LIBRARY_PANEL_LOAD}) and saves teach it what each version stood for, and a save is translated likewise.
 */
public final class EditHook implements RequestObserver {
    /** The label dashboard loads are counted under in {@code gateway_edits_observed_total{kind}}. */
    public static final String DASHBOARD_LOAD = "dashboard-load";
    /** The label library panel loads are counted under. */
    public static final String LIBRARY_PANEL_LOAD = "library-panel-load";
    private static final Logger log = LoggerFactory.getLogger(EditHook.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CompletableFuture<Void> RELEASED = CompletableFuture.completedFuture(null);

    private final EditObserver observer;
    private final Optional<SaveTranslation> translation;
    private final Optional<ResourceSaveTranslation> resources;
    private final Optional<LibraryPanelTranslation> libraryPanels;

    public EditHook(EditObserver observer) {
        this(observer, Optional.empty());
    }

    public EditHook(EditObserver observer, Optional<SaveTranslation> translation) {
        this(observer, translation, Optional.empty());
    }

    /** @param resources the translation of Grafana 12's resource-API saves ({@code /apis/dashboard.grafana.app/...}) */
    public EditHook(EditObserver observer, Optional<SaveTranslation> translation, Optional<ResourceSaveTranslation> resources) {
        this(observer, translation, resources, Optional.empty());
    }

    /** @param libraryPanels the translation of library panel saves ({@code PATCH /api/library-elements/:uid}) */
    public EditHook(EditObserver observer, Optional<SaveTranslation> translation, Optional<ResourceSaveTranslation> resources,
            Optional<LibraryPanelTranslation> libraryPanels) {
        this.observer = observer;
        this.translation = translation;
        this.resources = resources;
        this.libraryPanels = libraryPanels;
    }

    @Override
    public Optional<String> watches(String method, String path) {
        if (translation.isPresent() && GrafanaWrites.isDashboardLoad(method, path)
                || resources.isPresent() && DashboardResources.isLoad(method, path)) {
            return Optional.of(DASHBOARD_LOAD);
        }
        if (libraryPanels.isPresent() && GrafanaWrites.isLibraryPanelLoad(method, path)) {
            return Optional.of(LIBRARY_PANEL_LOAD);
        }
        return GrafanaWrites.kind(method, path).map(GrafanaWrite.Kind::label);
    }

    @Override
    public List<String> labels() {
        List<String> labels = new ArrayList<>(Arrays.stream(GrafanaWrite.Kind.values()).map(GrafanaWrite.Kind::label).toList());
        if (translation.isPresent() || resources.isPresent()) {
            labels.add(DASHBOARD_LOAD);
        }
        if (libraryPanels.isPresent()) {
            labels.add(LIBRARY_PANEL_LOAD);
        }
        return labels;
    }

    /**
     * A dashboard save that names its uid and does not ask to overwrite is conditional: Grafana refuses it with 412
     * unless the version it is based on is still current (on another instance: translated, see
     * {@link SaveTranslation}), so it may be decided again for the next backend when its own died unanswered.
     * Without a translation it would reach the next instance with the dead one's id and version: never replayed.
     */
    @Override
    public boolean replayable(ObservedRequest request) {
        if (GrafanaWrites.kind(request.method(), request.path()).isEmpty()) {
            return false;
        }
        GrafanaWrite write = WatchedRequest.of(request).write().orElse(null);
        // Grafana 12's resource-API update names its resourceVersion: conditional the same way (409 instead of 412).
        return translation.isPresent() && write instanceof GrafanaWrite.DashboardSave save && SaveTranslation.applies(save)
                || resources.isPresent() && write instanceof GrafanaWrite.DashboardResourceSave resource
                        && ResourceSaveTranslation.applies(resource)
                || libraryPanels.isPresent() && write instanceof GrafanaWrite.LibraryPanelUpdate update
                        && LibraryPanelTranslation.applies(update);
    }

    /**
     * A dashboard load moved by a retry (the first instance refused the connection in the second before it was marked
     * down) is decided again for the instance that serves it: that one is brought up to the newest acknowledged save
     * before it answers, or the user would load content without it and their next save would get the guard's 412.
     */
    @Override
    public boolean decidesPerBackend(ObservedRequest request) {
        return translation.isPresent() && GrafanaWrites.isDashboardLoad(request.method(), request.path());
    }

    @Override
    public Verdict onRequest(Backend backend, ObservedRequest request) {
        if (translation.isPresent() && GrafanaWrites.isDashboardLoad(request.method(), request.path())) {
            DashboardLedger ledger = translation.get().ledger();
            Verdict load = new Verdict.Forward((answered, status, body) -> {
                if (status == 200) {
                    learn(() -> ledger.learn(answered.name(), JSON.readTree(body).path("dashboard")));
                }
                return RELEASED;
            });
            // A backend that lacks the newest acknowledged save of the dashboard gets it first (SaveCatchUp).
            return translation.get().catchUp().beforeLoad(backend.name(), request.path())
                    .<Verdict>map(caughtUp -> new Verdict.Later(caughtUp.thenApply(done -> load))).orElse(load);
        }
        if (resources.isPresent() && DashboardResources.isLoad(request.method(), request.path())) {
            ResourceSaveTranslation t = resources.get();
            return new Verdict.Forward((answered, status, body) -> {
                if (status == 200) {
                    learn(() -> DashboardResources.answer(body).ifPresent(a -> t.learn(answered.name(), a)));
                }
                return RELEASED;
            });
        }
        if (libraryPanels.isPresent() && GrafanaWrites.isLibraryPanelLoad(request.method(), request.path())) {
            return new Verdict.Forward((answered, status, body) -> {
                if (status == 200) {
                    libraryPanels.get().learn(answered.name(), body);
                }
                return RELEASED;
            });
        }
        WatchedRequest watched = WatchedRequest.of(request);
        if (translation.isPresent() && watched.write().orElse(null) instanceof GrafanaWrite.DashboardSave save
                && SaveTranslation.applies(save)) {
            // The translation may first bring the backend up to what the user started from (SaveCatchUp): the guard
            // asks after it, or it would refuse the save for lacking a version the backend has just received.
            return new Verdict.Later(translation.get().translate(backend.name(), save, watched.body()).thenApply(outcome -> {
                Optional<LocalResponse> guarded = guard(backend, watched);
                return guarded.isPresent() ? new Verdict.Answer(guarded.get()) : verdict(request, watched, outcome);
            }));
        }
        Optional<LocalResponse> answer = guard(backend, watched);
        if (answer.isPresent()) {
            return new Verdict.Answer(answer.get());
        }
        if (resources.isPresent() && watched.write().orElse(null) instanceof GrafanaWrite.DashboardResourceSave save
                && ResourceSaveTranslation.applies(save)) {
            return new Verdict.Later(resources.get().translate(backend.name(), request.path(), save, watched.body())
                    .thenApply(outcome -> verdict(request, watched, outcome)));
        }
        if (libraryPanels.isPresent() && watched.write().orElse(null) instanceof GrafanaWrite.LibraryPanelUpdate update
                && LibraryPanelTranslation.applies(update)) {
            return new Verdict.Later(libraryPanels.get().translate(backend.name(), update, watched.body())
                    .thenApply(outcome -> verdict(request, watched, outcome)));
        }
        return new Verdict.Forward(afterSuccess(watched));
    }

    private Verdict verdict(ObservedRequest request, WatchedRequest watched, SaveTranslation.Outcome outcome) {
        if (outcome instanceof SaveTranslation.Outcome.Refused refused) {
            return new Verdict.Answer(refused.response());
        }
        if (outcome instanceof SaveTranslation.Outcome.Rewritten rewritten) {
            ObservedRequest sent = new ObservedRequest(request.method(), request.uri(), request.headers(), rewritten.body());
            ResponseObserver then = afterSuccess(WatchedRequest.of(sent));
            return new Verdict.Forward((answered, status, reply) -> {
                if (status >= 200 && status < 300) {
                    translation.ifPresent(t -> learnTranslatedAnswer(t.ledger(), watched, reply));
                }
                return then.onResponse(answered, status, reply);
            }, rewritten.body());
        }
        return new Verdict.Forward(afterSuccess(watched));
    }

    /** The observer's answer before forwarding (the write-back's lost-update guard), if it has one. */
    private Optional<LocalResponse> guard(Backend backend, WatchedRequest watched) {
        try {
            Optional<LocalResponse> answer = observer.beforeForward(backend, watched);
            return answer == null ? Optional.empty() : answer;
        } catch (RuntimeException e) {
            // Failing open: an observer bug must not stop people from saving their dashboards.
            log.warn("edit observer failed before {} {}; forwarding unguarded", watched.method(), watched.uri(), e);
            return Optional.empty();
        }
    }

    private ResponseObserver afterSuccess(WatchedRequest watched) {
        return (answered, status, body) -> {
            if (status < 200 || status >= 300) {
                return RELEASED;
            }
            translation.ifPresent(t -> learnSave(t.ledger(), answered, watched, body));
            if (watched.write().orElse(null) instanceof GrafanaWrite.DashboardResourceSave) {
                resources.ifPresent(t -> learn(() -> DashboardResources.answer(body).ifPresent(a -> t.learn(answered.name(), a))));
            }
            if (watched.write().orElse(null) instanceof GrafanaWrite.LibraryPanelUpdate
                    || watched.write().orElse(null) instanceof GrafanaWrite.LibraryPanelCreate) {
                libraryPanels.ifPresent(t -> t.learn(answered.name(), body));
            }
            return observer.afterSuccess(answered, watched, status, body);
        };
    }

    /** A save's response names the id and version the content it saved now has there. */
    private static void learnSave(DashboardLedger ledger, Backend backend, WatchedRequest watched, byte[] response) {
        if (watched.write().orElse(null) instanceof GrafanaWrite.DashboardSave) {
            learn(() -> {
                JsonNode answer = JSON.readTree(response);
                JsonNode dashboard = JSON.readTree(watched.body()).path("dashboard");
                if (answer.path("uid").isTextual() && answer.path("id").isIntegralNumber()
                        && answer.path("version").isIntegralNumber() && dashboard.isObject()) {
                    ledger.learn(backend.name(), answer.get("uid").asText(), answer.get("id").asLong(),
                            answer.get("version").asInt(), DashboardLedger.fingerprint(dashboard));
                }
            });
        }
    }

    /** The browser keeps the id it sent and takes the answer's version: that pair stands for what it saved. */
    private static void learnTranslatedAnswer(DashboardLedger ledger, WatchedRequest client, byte[] response) {
        learn(() -> {
            JsonNode answer = JSON.readTree(response);
            JsonNode dashboard = JSON.readTree(client.body()).path("dashboard");
            if (answer.path("uid").isTextual() && answer.path("version").isIntegralNumber()
                    && dashboard.path("id").isIntegralNumber()) {
                ledger.learnAnswered(answer.get("uid").asText(), dashboard.get("id").asLong(), answer.get("version").asInt(),
                        DashboardLedger.fingerprint(dashboard));
            }
        });
    }

    private interface Learning {
        void run() throws IOException;
    }

    /** What the ledger cannot learn from (not JSON, not a dashboard) it does not learn: never the client's problem. */
    private static void learn(Learning learning) {
        try {
            learning.run();
        } catch (IOException | RuntimeException e) {
            log.debug("nothing learnt from a dashboard response: {}", e.toString());
        }
    }
}
