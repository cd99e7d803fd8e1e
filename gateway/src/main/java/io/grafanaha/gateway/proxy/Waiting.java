package io.grafanaha.gateway.proxy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The exchanges in flight, so the ones waiting on a backend that was just marked down can move on at
 * once rather than wait out {@code proxy.response-timeout} (a hung Grafana accepts connections and
 * never answers; with the 60 s default, its users would stare at a spinner long after failover).
 */
final class Waiting {
    private final Set<Exchange> exchanges = ConcurrentHashMap.newKeySet();
    private final Set<String> down = ConcurrentHashMap.newKeySet();

    /**
     * Registers an exchange about to use {@code backend}; returns true if that backend is down. The
     * routing table announces "down" before it stops routing there, so a request routed in between
     * would miss {@link #backendDown}'s broadcast: it asks here instead. (Either the broadcast sees
     * the exchange or the exchange sees the flag, possibly both, which the exchange tolerates.)
     */
    boolean add(Exchange exchange, String backend) {
        exchanges.add(exchange);
        return down.contains(backend);
    }

    /** Whether the health checks hold {@code backend} down (a request there is on the last resort). */
    boolean isDown(String backend) {
        return down.contains(backend);
    }

    void remove(Exchange exchange) {
        exchanges.remove(exchange);
    }

    /** Tells every exchange, on its own event loop, that {@code backend} is down; returns at once. */
    void backendDown(String backend) {
        down.add(backend);
        for (Exchange exchange : exchanges) {
            exchange.eventLoop().execute(() -> exchange.backendDown(backend));
        }
    }

    void backendUp(String backend) {
        down.remove(backend);
    }
}
