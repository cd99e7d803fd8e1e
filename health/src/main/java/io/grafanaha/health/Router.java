package io.grafanaha.health;

import java.util.List;
import java.util.Optional;

/**
 * The only question the proxy asks about routing: who may serve this request? How backends are judged
 * (static order, active checks, passive detection) stays behind this interface, so the proxy never
 * changes when health checking does.
 *
 * <p>Implementations must be safe to call from many event-loop threads at once and must not block.
 */
public interface Router {
    /** The backend that should serve {@code request}, or empty when no backend may serve it (503). */
    Optional<Backend> pick(RouteRequest request);

    /**
     * Every backend that may serve right now, in preference order. Used for readiness; unlike
     * {@link #pick} it has no side effects such as advancing a round-robin cursor.
     */
    List<Backend> routable();
}
