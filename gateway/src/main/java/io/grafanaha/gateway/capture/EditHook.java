package io.grafanaha.gateway.capture;

import io.grafanaha.gateway.proxy.LocalResponse;
import io.grafanaha.gateway.proxy.ObservedRequest;
import io.grafanaha.gateway.proxy.RequestObserver;
import io.grafanaha.health.Backend;
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
 */
public final class EditHook implements RequestObserver {
    private static final Logger log = LoggerFactory.getLogger(EditHook.class);
    private static final CompletableFuture<Void> RELEASED = CompletableFuture.completedFuture(null);

    private final EditObserver observer;

    public EditHook(EditObserver observer) {
        this.observer = observer;
    }

    @Override
    public Optional<String> watches(String method, String path) {
        return GrafanaWrites.kind(method, path).map(GrafanaWrite.Kind::label);
    }

    @Override
    public List<String> labels() {
        return Arrays.stream(GrafanaWrite.Kind.values()).map(GrafanaWrite.Kind::label).toList();
    }

    @Override
    public Verdict onRequest(Backend backend, ObservedRequest request) {
        WatchedRequest watched = WatchedRequest.of(request);
        Optional<LocalResponse> answer;
        try {
            answer = observer.beforeForward(backend, watched);
        } catch (RuntimeException e) {
            // Failing open: an observer bug must not stop people from saving their dashboards.
            log.warn("edit observer failed before {} {}; forwarding unguarded", watched.method(), watched.uri(), e);
            answer = Optional.empty();
        }
        if (answer != null && answer.isPresent()) {
            return new Verdict.Answer(answer.get());
        }
        return new Verdict.Forward((answered, status, body) ->
                status >= 200 && status < 300 ? observer.afterSuccess(answered, watched, status, body) : RELEASED);
    }
}
