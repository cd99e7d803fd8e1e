package io.grafanaha.gateway.capture;

import io.grafanaha.gateway.proxy.ObservedRequest;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A watched Grafana write with its whole body, as it is forwarded, and what the gateway reads from it
 * (once, when it arrives: the body is parsed a single time per edit).
 *
 * @param request the request as the proxy forwards it
 * @param user    the Grafana login when the gateway can tell without asking Grafana ({@link GrafanaWrites#user})
 * @param write   what this write does, or empty when it is not one {@link GrafanaWrites} knows or its body
 *                is not valid JSON
 */
public record WatchedRequest(ObservedRequest request, Optional<String> user, Optional<GrafanaWrite> write) {
    public WatchedRequest {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(write, "write");
    }

    /** Reads the user and the write from {@code request}. */
    public static WatchedRequest of(ObservedRequest request) {
        return new WatchedRequest(request, GrafanaWrites.user(request.headers()),
                GrafanaWrites.classify(request.method(), request.path(), request.body()));
    }

    public String method() {
        return request.method();
    }

    /** The request target as sent, query string included. */
    public String uri() {
        return request.uri();
    }

    /** Header values by lower-case name, as the backend receives them. */
    public Map<String, List<String>> headers() {
        return request.headers();
    }

    /** The request body, byte for byte. */
    public byte[] body() {
        return request.body();
    }
}
