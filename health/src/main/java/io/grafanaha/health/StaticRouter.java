package io.grafanaha.health;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Routes by configuration alone, treating every backend as healthy. In failover mode the primary
 * serves, then replicas in configured order; in load-balance mode backends take turns. Affinity wins
 * when the key names a backend that may serve; in load-balance mode a route to any other backend says
 * the affinity must be set. The health-aware router replaces this one later.
 */
public final class StaticRouter implements Router {
    private final RoutingMode mode;
    private final List<Backend> ordered;
    private final AtomicInteger cursor = new AtomicInteger();

    /**
     * @param mode     failover or load-balance
     * @param backends in configuration order; in failover mode the primary goes first whatever its position
     */
    public StaticRouter(RoutingMode mode, List<Backend> backends) {
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("a router needs at least one backend");
        }
        this.mode = mode;
        List<Backend> order = new ArrayList<>();
        if (mode == RoutingMode.FAILOVER) {
            backends.stream().filter(b -> b.role() == Role.PRIMARY).forEach(order::add);
            backends.stream().filter(b -> b.role() != Role.PRIMARY).forEach(order::add);
        } else {
            order.addAll(backends);
        }
        this.ordered = List.copyOf(order);
    }

    @Override
    public Optional<Route> pick(RouteRequest request) {
        return choose(request).map(b -> new Route(b,
                mode == RoutingMode.LOAD_BALANCE && !request.affinityKey().filter(b.name()::equals).isPresent()));
    }

    private Optional<Backend> choose(RouteRequest request) {
        List<Backend> candidates = ordered.stream().filter(b -> !request.tried().contains(b.name())).toList();
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        if (request.affinityKey().isPresent()) {
            String key = request.affinityKey().get();
            Optional<Backend> sticky = candidates.stream().filter(b -> b.name().equals(key)).findFirst();
            if (sticky.isPresent()) {
                return sticky;
            }
        }
        if (mode == RoutingMode.FAILOVER) {
            return Optional.of(candidates.get(0));
        }
        return Optional.of(candidates.get(Math.floorMod(cursor.getAndIncrement(), candidates.size())));
    }

    @Override
    public List<Backend> routable() {
        return ordered;
    }
}
