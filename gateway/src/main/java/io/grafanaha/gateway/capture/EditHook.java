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
 * version of which content, and a save is translated to the instance that serves it before it is forwarded. A load
 * or a save on an instance that lacks the newest acknowledged save of that dashboard brings it up first
 * ({@link SaveCatchUp}).
 */
public final class EditHook implements RequestObserver {
    /** The label dashboard loads are counted under in {@code gateway_edits_observed_total{kind}}. */
    public static final String DASHBOARD_LOAD = "dashboard-load";
    private static final Logger log = LoggerFactory.getLogger(EditHook.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CompletableFuture<Void> RELEASED = CompletableFuture.completedFuture(null);

    private final EditObserver observer;
    private final Optional<SaveTranslation> translation;

    public EditHook(EditObserver observer) {
        this(observer, Optional.empty());
    }

    public EditHook(EditObserver observer, Optional<SaveTranslation> translation) {
        this.observer = observer;
        this.translation = translation;
    }

    @Override
    public Optional<String> watches(String method, String path) {
        if (translation.isPresent() && GrafanaWrites.isDashboardLoad(method, path)) {
            return Optional.of(DASHBOARD_LOAD);
        }
        return GrafanaWrites.kind(method, path).map(GrafanaWrite.Kind::label);
    }

    @Override
    public List<String> labels() {
        List<String> labels = new ArrayList<>(Arrays.stream(GrafanaWrite.Kind.values()).map(GrafanaWrite.Kind::label).toList());
        translation.ifPresent(t -> labels.add(DASHBOARD_LOAD));
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
        return translation.isPresent() && GrafanaWrites.kind(request.method(), request.path()).isPresent()
                && WatchedRequest.of(request).write().orElse(null) instanceof GrafanaWrite.DashboardSave save
                && SaveTranslation.applies(save);
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
        WatchedRequest watched = WatchedRequest.of(request);
        if (translation.isPresent() && watched.write().orElse(null) instanceof GrafanaWrite.DashboardSave save
                && SaveTranslation.applies(save)) {
            // The translation may first bring the backend up to what the user started from (SaveCatchUp): the guard
            // asks after it, or it would refuse the save for lacking a version the backend has just received.
            return new Verdict.Later(translation.get().translate(backend.name(), save, watched.body()).thenApply(outcome -> {
                Optional<LocalResponse> guarded = guard(backend, watched);
                if (guarded.isPresent()) {
                    return new Verdict.Answer(guarded.get());
                }
                if (outcome instanceof SaveTranslation.Outcome.Refused refused) {
                    return new Verdict.Answer(refused.response());
                }
                if (outcome instanceof SaveTranslation.Outcome.Rewritten rewritten) {
                    ObservedRequest sent = new ObservedRequest(request.method(), request.uri(), request.headers(), rewritten.body());
                    return new Verdict.Forward(afterSuccess(WatchedRequest.of(sent)), rewritten.body());
                }
                return new Verdict.Forward(afterSuccess(watched));
            }));
        }
        Optional<LocalResponse> answer = guard(backend, watched);
        if (answer.isPresent()) {
            return new Verdict.Answer(answer.get());
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
