package io.grafanaha.testkit.grafana;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Optional;

/**
 * Grafana's CSRF Origin/Host check (grafana-api.md §2.2, pkg/middleware/csrf/csrf.go): only with a
 * session cookie, not for HEAD/OPTIONS/TRACE (GET *is* checked), only when Origin is sent; then the
 * Origin's hostname must equal the Host header's hostname, ports ignored. No trusted origins or
 * additional headers are configured, as in a default install.
 */
final class CsrfCheck {
    private CsrfCheck() {
    }

    /** The rejection to send, or empty when the request may pass. */
    static Optional<ApiResponse> check(String method, HttpHeaders headers) {
        if (Authenticator.sessionCookie(headers).isEmpty()) {
            return Optional.empty();
        }
        if (method.equals("HEAD") || method.equals("OPTIONS") || method.equals("TRACE")) {
            return Optional.empty();
        }
        String origin = headers.get(HttpHeaderNames.ORIGIN);
        if (origin == null || origin.isEmpty()) {
            return Optional.empty();
        }
        return originMatchesHost(origin, headers.get(HttpHeaderNames.HOST), "origin not allowed");
    }

    /**
     * Shared with the Live WebSocket check: empty when the Origin's hostname equals the Host's,
     * else 403 with the given text; 400 when either cannot be parsed.
     */
    static Optional<ApiResponse> originMatchesHost(String origin, String host, String rejection) {
        Optional<String> hostName = Hosts.hostOfHostHeader(host == null ? "" : host);
        if (hostName.isEmpty()) {
            return Optional.of(ApiResponse.plain(400, "address " + host + ": invalid host"));
        }
        Optional<String> originHost = Hosts.hostOfOrigin(origin);
        if (originHost.isEmpty()) {
            return Optional.of(ApiResponse.plain(400, "parse \"" + origin + "\": invalid origin"));
        }
        if (!originHost.get().equals(hostName.get())) {
            return Optional.of(ApiResponse.plain(403, rejection));
        }
        return Optional.empty();
    }
}
