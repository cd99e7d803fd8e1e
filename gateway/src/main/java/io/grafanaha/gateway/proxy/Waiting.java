package io.grafanaha.gateway.proxy;

import io.netty.util.concurrent.EventExecutor;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The exchanges in flight, so the ones waiting on a backend that was just marked down can move on at
 * once rather than wait out {@code proxy.response-timeout} (a hung Grafana accepts connections and
 * never answers; with the 60 s default, its users would stare at a spinner long after failover).
 *
 * <p>Each event loop keeps its own exchanges in a plain set that only it touches: every request adds and
 * removes itself, and one concurrent set shared by all loops made each of them pay for the others' writes.
 * The rare broadcast ({@link #backendDown}) goes to each loop as one task, which walks that loop's set.
 */
final class Waiting {
    private final Map<EventExecutor, Set<Exchange>> byLoop = new ConcurrentHashMap<>();
    private final Set<String> down = ConcurrentHashMap.newKeySet();

    /**
     * Registers an exchange about to use {@code backend}, on its event loop; returns true if that backend is down.
     * The routing table announces "down" before it stops routing there, so a request routed in between would miss
     * {@link #backendDown}'s broadcast: it asks here instead. (Either the broadcast's task, which runs on this loop
     * after the flag is set, sees the exchange, or the exchange sees the flag, possibly both, which the exchange
     * tolerates.)
     */
    boolean add(Exchange exchange, String backend) {
        byLoop.computeIfAbsent(exchange.eventLoop(), loop -> new HashSet<>()).add(exchange);
        return down.contains(backend);
    }

    /** Whether the health checks hold {@code backend} down (a request there is on the last resort). */
    boolean isDown(String backend) {
        return down.contains(backend);
    }

    /** On the exchange's event loop. */
    void remove(Exchange exchange) {
        Set<Exchange> exchanges = byLoop.get(exchange.eventLoop());
        if (exchanges != null) {
            exchanges.remove(exchange);
        }
    }

    /** Tells every exchange, on its own event loop, that {@code backend} is down; returns at once. */
    void backendDown(String backend) {
        down.add(backend);
        byLoop.forEach((loop, exchanges) -> loop.execute(() -> {
            // A copy: an exchange told may end, and leave the set, while it is walked.
            for (Exchange exchange : List.copyOf(exchanges)) {
                exchange.backendDown(backend);
            }
        }));
    }

    void backendUp(String backend) {
        down.remove(backend);
    }
}
