package io.grafanaha.gateway.proxy;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A watched request ({@link RequestObserver}) with its whole body, as it is forwarded.
 *
 * @param method  e.g. {@code POST}
 * @param uri     the request target as sent, query string included
 * @param headers header values by lower-case name, as the backend receives them
 * @param body    the request body, byte for byte; empty when there is none
 */
public record ObservedRequest(String method, String uri, Map<String, List<String>> headers, byte[] body) {
    public ObservedRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(uri, "uri");
        headers = Map.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }

    /** The first value of header {@code name} (any case). */
    public Optional<String> header(String name) {
        return GatheredBody.first(headers, name);
    }

    /** The request path without the query string. */
    public String path() {
        return FrontendHandler.path(uri);
    }
}
