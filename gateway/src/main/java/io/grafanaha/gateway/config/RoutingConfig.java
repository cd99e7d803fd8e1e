package io.grafanaha.gateway.config;

import java.time.Duration;

/**
 * Retries and affinity. {@code stickyCookie} is empty when there is no affinity; {@code lastResort}
 * sends traffic to the last backend known good when every backend is down, instead of answering 503.
 * {@code tryTimeout} (zero: off): a safe request (GET, HEAD, OPTIONS) not answered within it goes to
 * another backend, as one of its {@code retries}. {@code replaySaves}: a conditional dashboard save whose backend
 * died before answering is sent again, translated for the next backend, as one of its {@code retries}.
 */
public record RoutingConfig(int retries, String stickyCookie, boolean lastResort, Duration tryTimeout, boolean replaySaves) {

    /** Without a try timeout. */
    public RoutingConfig(int retries, String stickyCookie, boolean lastResort) {
        this(retries, stickyCookie, lastResort, Duration.ZERO);
    }

    /** Saves replayed (the default). */
    public RoutingConfig(int retries, String stickyCookie, boolean lastResort, Duration tryTimeout) {
        this(retries, stickyCookie, lastResort, tryTimeout, true);
    }
}
