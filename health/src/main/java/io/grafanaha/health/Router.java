package io.grafanaha.health;

import java.util.List;
import java.util.Optional;

/**
 * The only question the proxy asks about routing: who may serve this request? How backends are judged
 * (static order, active checks, passive detection) and how one is chosen (failover, round robin,
 * affinity) stay behind this interface, so the proxy never changes when health checking or a routing
 * mode does: it applies the {@link Route} it gets.
 *
 * <p>Implementations must be safe to call from many event-loop threads at once and must not block.
 */
public interface Router {
    /**
     * Where {@code request}'s next attempt goes, and whether the client's affinity must change, or empty
     * when no backend may serve it (503).
     */
    Optional<Route> pick(RouteRequest request);

    /**
     * Every backend that may serve right now, in preference order. Used for readiness; unlike
     * {@link #pick} it has no side effects such as advancing a round-robin cursor.
     */
    List<Backend> routable();
}
