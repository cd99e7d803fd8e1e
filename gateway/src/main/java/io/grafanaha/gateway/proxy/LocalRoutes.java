package io.grafanaha.gateway.proxy;

import java.util.Optional;

/**
 * Requests on the public listener that the gateway answers itself instead of forwarding, such as the
 * Git webhook at {@code POST /_gateway/webhook}. Consulted for every request before routing, so it
 * must be quick and must not block; requests under {@code /_gateway/} that no route claims are
 * answered 404 and never reach Grafana.
 */
@FunctionalInterface
public interface LocalRoutes {
    /** The prefix reserved for the gateway on the public listener. */
    String PREFIX = "/_gateway/";

    /** No local routes: only the 404 for the reserved prefix. */
    LocalRoutes NONE = (method, path) -> Optional.empty();

    /**
     * @param method the request method, e.g. {@code POST}
     * @param path   the request path as sent, without the query string (not percent-decoded)
     */
    Optional<LocalHandler> route(String method, String path);
}
