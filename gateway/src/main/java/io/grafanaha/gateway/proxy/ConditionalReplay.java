package io.grafanaha.gateway.proxy;

import io.grafanaha.health.Backend;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watched request the {@link RequestObserver} called {@link RequestObserver#replayable replayable} (a dashboard
 * save naming the version it is based on), kept whole so that, when its backend fails, it is not re-sent as it
 * was (its body may have been rewritten for that backend) but decided again by the observer for the next one: a
 * save translated for the instance that now serves it, or the 412 that instance's history calls for.
 *
 * <p>A safe request the observer {@link RequestObserver#decidesPerBackend decides per backend} (a dashboard load, for
 * which the next instance is first brought up to the newest acknowledged save) takes the same way, but is no
 * conditional write: it moves under the rules of any safe request.
 *
 * <p>Whether it may go at all is {@link RetryPolicy#decide}'s question; this only produces what goes. The observer's
 * decision may take time ({@link RequestObserver.Verdict.Later}): it is awaited off the event loop, bounded by
 * {@code proxy.response-timeout}. An observer that fails or does not decide in time gets the client's own body sent
 * unchanged with the response observer already in place, for the backend's own version check to decide: the
 * same fail-open rule as {@link EditWatch}, and the edit is still captured from the answer the client gets.
 */
final class ConditionalReplay {
    private static final Logger log = LoggerFactory.getLogger(ConditionalReplay.class);

    /** What the next backend gets, or what the client gets instead. */
    sealed interface Decision {
        /** Send {@code body} (the request's headers already fit it); its response goes to {@code observer}. */
        record Send(RequestObserver.ResponseObserver observer, LastHttpContent body) implements Decision {}

        /** Answer the client with {@code response}; no backend sees the request again. */
        record Answer(LocalResponse response) implements Decision {}
    }

    private final RequestObserver observer;
    private final ObservedRequest request;
    private final boolean conditional;

    private ConditionalReplay(RequestObserver observer, ObservedRequest request, boolean conditional) {
        this.observer = observer;
        this.request = request;
        this.conditional = conditional;
    }

    /**
     * A replay of {@code request} when the observer says it is conditional, or decides a safe request again for each
     * backend ({@link RequestObserver#decidesPerBackend}); its failure counts as no.
     */
    static Optional<ConditionalReplay> of(RequestObserver observer, ObservedRequest request) {
        try {
            if (observer.replayable(request)) {
                return Optional.of(new ConditionalReplay(observer, request, true));
            }
            return observer.decidesPerBackend(request) ? Optional.of(new ConditionalReplay(observer, request, false))
                    : Optional.empty();
        } catch (RuntimeException e) {
            log.warn("request observer failed to say whether {} {} is replayable; it is not", request.method(), request.uri(), e);
            return Optional.empty();
        }
    }

    /**
     * A conditional write (a save naming its version), which may be re-sent after its backend got it; false for a
     * safe request only decided again per backend, which the retry rules treat as any safe request.
     */
    boolean conditional() {
        return conditional;
    }

    /**
     * Asks the observer what becomes of the request on {@code next}; {@code then} runs on {@code loop} with the
     * answer (also when the client has gone meanwhile: the caller checks). {@code outbound} is the request as it
     * is forwarded: its framing headers are set to the body that goes.
     *
     * @param current the response observer the first backend's answer would have gone to
     */
    void decide(Backend next, HttpRequest outbound, RequestObserver.ResponseObserver current, EventLoop loop, long timeoutMillis,
                Consumer<Decision> then) {
        RequestObserver.Verdict verdict;
        try {
            verdict = observer.onRequest(next, request);
        } catch (RuntimeException e) {
            log.warn("request observer failed before replaying {} {} on {}; sending it unchanged", request.method(), request.uri(),
                    next.name(), e);
            verdict = null;
        }
        if (!(verdict instanceof RequestObserver.Verdict.Later later)) {
            then.accept(decision(verdict, outbound, current));
            return;
        }
        boolean[] decided = {false};
        ScheduledFuture<?> timer = loop.schedule(() -> {
            if (!decided[0]) {
                decided[0] = true;
                log.warn("request observer did not decide on replaying {} {} on {} within {} ms; sending it unchanged",
                        request.method(), request.uri(), next.name(), timeoutMillis);
                then.accept(decision(null, outbound, current));
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        CompletionStage<RequestObserver.Verdict> stage;
        try {
            stage = later.verdict();
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((v, error) -> loop.execute(() -> {
            timer.cancel(false);
            if (decided[0]) {
                return;
            }
            decided[0] = true;
            if (error != null) {
                log.warn("request observer failed before replaying {} {} on {}; sending it unchanged", request.method(),
                        request.uri(), next.name(), error);
            }
            then.accept(decision(error == null ? v : null, outbound, current));
        }));
    }

    /** A verdict that is neither an answer nor a forward (null: none) sends the client's body for the backend to judge. */
    private Decision decision(RequestObserver.Verdict verdict, HttpRequest outbound, RequestObserver.ResponseObserver current) {
        if (verdict instanceof RequestObserver.Verdict.Answer answer) {
            return new Decision.Answer(answer.response());
        }
        if (verdict instanceof RequestObserver.Verdict.Forward forward) {
            return send(forward.onResponse(), forward.body(), outbound);
        }
        return send(current, null, outbound);
    }

    private Decision send(RequestObserver.ResponseObserver onResponse, byte[] rewritten, HttpRequest outbound) {
        byte[] body = rewritten != null ? rewritten : request.body();
        outbound.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        if (rewritten != null) {
            outbound.headers().remove(HttpHeaderNames.CONTENT_ENCODING);
        }
        if (body.length > 0 || outbound.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            outbound.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length); // a bodiless GET stays as it came
        }
        return new Decision.Send(onResponse, new DefaultLastHttpContent(Unpooled.wrappedBuffer(body)));
    }
}
