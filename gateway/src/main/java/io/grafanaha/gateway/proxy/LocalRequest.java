package io.grafanaha.gateway.proxy;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A request the gateway answers itself, with its whole body (at most 1 MiB).
 *
 * @param method  e.g. {@code POST}
 * @param uri     the request target as sent, query string included
 * @param headers header values by lower-case name, in the order received
 * @param body    the request body, empty when there is none
 */
public record LocalRequest(String method, String uri, Map<String, List<String>> headers, byte[] body) {
    public LocalRequest {
        headers = Map.copyOf(headers);
    }

    /** The first value of header {@code name} (any case). */
    public Optional<String> header(String name) {
        return GatheredBody.first(headers, name);
    }
}
