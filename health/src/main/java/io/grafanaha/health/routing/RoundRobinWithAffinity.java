package io.grafanaha.health.routing;

import io.grafanaha.health.Backend;
import io.grafanaha.health.RoutingMode;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Load-balance mode: every routable backend serves, in turns; an affinity value naming a routable backend
 * not yet tried wins, so a browser keeps its session on one Grafana. Stateless apart from the cursor.
 */
final class RoundRobinWithAffinity implements RoutingStrategy {

    private final List<String> order;
    private final AtomicInteger cursor = new AtomicInteger();

    RoundRobinWithAffinity(List<Backend> backends) {
        this.order = backends.stream().map(Backend::name).toList();
    }

    @Override
    public RoutingMode mode() {
        return RoutingMode.LOAD_BALANCE;
    }

    @Override
    public List<String> order() {
        return order;
    }

    @Override
    public Selection decide(Candidates candidates, String trigger, FailoverCause cause, Consumer<RoutingEvent> emit) {
        return new Selection(candidates.routable(), candidates.routable(), null, null, false);
    }

    @Override
    public String select(Selection selection, Set<String> exclude, String affinity) {
        List<String> routable = selection.routable();
        if (affinity != null && routable.contains(affinity) && !exclude.contains(affinity)) {
            return affinity;
        }
        List<String> candidates = exclude.isEmpty() ? routable : routable.stream().filter(b -> !exclude.contains(b)).toList();
        if (candidates.isEmpty()) {
            return null;
        }
        return candidates.get(Math.floorMod(cursor.getAndIncrement(), candidates.size()));
    }

    @Override
    public boolean usesAffinity() {
        return true;
    }
}
