package io.grafanaha.gateway.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code rate-limits.max-concurrent-per-address}: how many requests one client address may have in progress
 * at once, across all its connections. A token bucket limits how often; this limits how much at a time, so
 * one address's slow queries (a dashboard with fifty panels on a ninety-day range, or a script) cannot take
 * every backend connection while the others wait. A count per address in progress, removed at zero, so the
 * map holds only the addresses with something in flight. WebSocket tunnels count only until they open.
 */
final class ConcurrencyCap {
    static final String RULE = "concurrency";
    /** Seconds in the {@code Retry-After} of a 429: requests in progress usually end within one. */
    static final long RETRY_AFTER_SECONDS = 1;

    private final int max;
    private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();
    private final Counter limited;

    ConcurrencyCap(int max, MeterRegistry registry) {
        this.max = max;
        this.limited = max <= 0 ? null : Counter.builder("gateway.rate.limited")
                .description("Requests answered 429 by a rate limit, by rule (login, or the path prefix)")
                .tag("rule", RULE)
                .register(registry);
    }

    boolean on() {
        return max > 0;
    }

    /** Takes a place for {@code address}; false (counted) when it already has {@code max} requests in progress. */
    boolean acquire(String address) {
        boolean[] taken = {false};
        inFlight.compute(address, (a, n) -> {
            int now = n == null ? 0 : n;
            if (now >= max) {
                return n;
            }
            taken[0] = true;
            return now + 1;
        });
        if (!taken[0]) {
            limited.increment();
        }
        return taken[0];
    }

    void release(String address) {
        inFlight.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    /** Addresses with requests in progress (tests: the map empties). */
    int addresses() {
        return inFlight.size();
    }
}
