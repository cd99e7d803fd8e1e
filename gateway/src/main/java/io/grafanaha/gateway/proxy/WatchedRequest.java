package io.grafanaha.gateway.proxy;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A watched Grafana write ({@link EditObserver}) with its whole body, as it is forwarded.
 *
 * @param method  e.g. {@code POST}
 * @param uri     the request target as sent, query string included
 * @param headers header values by lower-case name, as the backend receives them
 * @param body    the request body, byte for byte; empty when there is none
 * @param user    the Grafana login when the gateway can tell without asking Grafana: the basic-auth user,
 *                else the {@code X-WEBAUTH-USER} header; empty for Bearer tokens and session cookies
 */
public record WatchedRequest(String method, String uri, Map<String, List<String>> headers, byte[] body, Optional<String> user) {
    public WatchedRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(uri, "uri");
        headers = Map.copyOf(headers);
        body = body == null ? new byte[0] : body;
        user = Objects.requireNonNull(user, "user");
    }

    /** The first value of header {@code name} (any case). */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The request path without the query string. */
    public String path() {
        return FrontendHandler.path(uri);
    }

    /** What this write does, or empty when it is not one {@link GrafanaWrites} knows or its body is not valid JSON. */
    public Optional<GrafanaWrite> write() {
        return GrafanaWrites.classify(method, path(), body);
    }
}
