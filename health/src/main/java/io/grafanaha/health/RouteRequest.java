package io.grafanaha.health;

import java.util.Optional;
import java.util.Set;

/**
 * What the proxy tells the router about a request when it asks who may serve it.
 *
 * @param affinityKey a value that should keep landing on the same backend (e.g. a sticky cookie
 *                    naming a backend), or empty
 * @param tried       names of backends already tried for this request; a retry must go elsewhere
 */
public record RouteRequest(Optional<String> affinityKey, Set<String> tried) {
    public RouteRequest {
        tried = Set.copyOf(tried);
    }

    /** A first attempt without affinity. */
    public static RouteRequest any() {
        return new RouteRequest(Optional.empty(), Set.of());
    }

    /** The same request, now also excluding {@code backendName}. */
    public RouteRequest excluding(String backendName) {
        var more = new java.util.HashSet<>(tried);
        more.add(backendName);
        return new RouteRequest(affinityKey, more);
    }
}
