package io.grafanaha.testkit.grafana;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/** Fault-injection switches a test flips while requests are in flight; every field is thread-safe. */
final class Controls {
    private record Injection(int status, int remaining) {
    }

    /**
     * Requests to {@code path} (with {@code method}, or any when null) are never answered; with {@code apply} they are
     * handled first, the answer dropped.
     */
    record Hold(String method, String path, boolean apply) {
        Hold(String path, boolean apply) {
            this(null, path, apply);
        }

        boolean matches(String requestMethod, String requestPath) {
            return path.equals(requestPath) && (method == null || method.equals(requestMethod));
        }
    }

    private volatile boolean hang;
    private volatile Duration delay = Duration.ZERO;
    private volatile boolean databaseFailing;
    private volatile Hold hold;
    private final AtomicReference<Injection> injection = new AtomicReference<>(new Injection(500, 0));

    boolean hang() {
        return hang;
    }

    void hang(boolean value) {
        hang = value;
    }

    Duration delay() {
        return delay;
    }

    void delay(Duration value) {
        if (value.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + value);
        }
        delay = value;
    }

    /** The held path, or null when none is. */
    Hold hold() {
        return hold;
    }

    void hold(Hold value) {
        hold = value;
    }

    boolean databaseFailing() {
        return databaseFailing;
    }

    void databaseFailing(boolean value) {
        databaseFailing = value;
    }

    void inject(int status, int count) {
        if (status < 500 || status > 599 || count < 0) {
            throw new IllegalArgumentException("inject5xx wants a 5xx status and count >= 0, got " + status + "/" + count);
        }
        injection.set(new Injection(status, count));
    }

    /** Consumes one injected failure; returns its status, or 0 when none is pending. */
    int takeInjected() {
        while (true) {
            Injection current = injection.get();
            if (current.remaining() <= 0) {
                return 0;
            }
            if (injection.compareAndSet(current, new Injection(current.status(), current.remaining() - 1))) {
                return current.status();
            }
        }
    }
}
