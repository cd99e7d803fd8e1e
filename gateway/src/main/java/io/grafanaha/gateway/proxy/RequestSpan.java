package io.grafanaha.gateway.proxy;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

/**
 * One proxied request's span while it runs ({@link Tracing}): each try at a backend becomes an {@code attempt}
 * event when its outcome is known (the retry cause for a try that was retried, the answer's status for the last),
 * and the request's method, path, status, last backend, number of tries and retry cause its attributes. Used on
 * the request's event loop only.
 */
final class RequestSpan {
    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> BACKEND = AttributeKey.stringKey("gateway.backend");
    static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("gateway.attempts");
    static final AttributeKey<String> RETRY_CAUSE = AttributeKey.stringKey("gateway.retry.cause");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("gateway.attempt");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("gateway.attempt.outcome");

    private final Span span;
    /** The backend of the try in progress; null before the first. */
    private String backend;
    private int attempts;
    private String retryCause;

    RequestSpan(Span span) {
        this.span = span;
    }

    /** A try at {@code name} begins; {@code cause} is why the one before it was given up (null for the first). */
    void attempt(String name, RetryCause cause) {
        if (cause != null) {
            retryCause = cause.label();
            if (backend != null) {
                attemptEvent(retryCause);
            }
        }
        backend = name;
        attempts++;
    }

    /** The request is answered with {@code status} (499: the client left) or its tunnel closed: the span is exported. */
    void end(int status) {
        if (backend != null) {
            attemptEvent(Integer.toString(status));
            span.setAttribute(BACKEND, backend);
        }
        span.setAttribute(ATTEMPTS, attempts);
        if (retryCause != null) {
            span.setAttribute(RETRY_CAUSE, retryCause);
        }
        span.setAttribute(STATUS, status);
        if (status >= 500) {
            span.setStatus(StatusCode.ERROR); // a 4xx is the client's doing, not a failed server span
        }
        span.end();
    }

    private void attemptEvent(String outcome) {
        span.addEvent("attempt", Attributes.of(ATTEMPT, (long) attempts, BACKEND, backend, OUTCOME, outcome));
    }
}
