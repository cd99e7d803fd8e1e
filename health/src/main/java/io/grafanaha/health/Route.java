package io.grafanaha.health;

import java.util.Objects;

/**
 * The router's whole answer for one attempt: where it goes and what the client's affinity should say
 * afterwards, so the proxy applies a decision instead of re-deriving it from the routing mode.
 *
 * @param backend     the backend that serves this attempt
 * @param setAffinity the client's affinity key (the sticky cookie) does not name {@code backend} and should
 *                    be set to it; always false where affinity means nothing (failover mode)
 */
public record Route(Backend backend, boolean setAffinity) {
    public Route {
        Objects.requireNonNull(backend, "backend");
    }

    /** An attempt on {@code backend} that leaves the client's affinity alone. */
    public static Route to(Backend backend) {
        return new Route(backend, false);
    }
}
