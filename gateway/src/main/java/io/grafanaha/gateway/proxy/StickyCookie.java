package io.grafanaha.gateway.proxy;

import io.grafanaha.health.Backend;
import io.grafanaha.health.RouteRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The load-balance affinity cookie ({@code routing.sticky-cookie}): its value is the name of the
 * backend that served the client. It is the gateway's own cookie, so it is removed from the request
 * before Grafana sees it: Grafana has no use for it, and a cookie a backend never set is one less
 * thing to confuse its session handling or its logs.
 */
final class StickyCookie {
    private StickyCookie() {}

    /**
     * The router's answer for one attempt: the backend, and whether its response should name that
     * backend in the affinity cookie.
     */
    record Choice(Backend backend, boolean setCookie) {}

    /**
     * The proxy's one question to the router. The router says whether the client's affinity should name
     * the backend it picked (load balancing with affinity, when the cookie names another or none; never in
     * failover); the cookie is set only when one is configured.
     */
    static Optional<Choice> pick(ProxyContext proxy, RouteRequest route) {
        String cookie = proxy.stickyCookie();
        boolean configured = cookie != null && !cookie.isEmpty();
        return proxy.router().pick(route).map(r -> new Choice(r.backend(), configured && r.setAffinity()));
    }

    /** The backend the client's cookie names, if it sent one. */
    static Optional<String> read(String name, HttpHeaders headers) {
        if (name == null || name.isEmpty()) {
            return Optional.empty();
        }
        for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
            for (Cookie cookie : ServerCookieDecoder.LAX.decode(header)) {
                if (cookie.name().equals(name)) {
                    return Optional.of(cookie.value());
                }
            }
        }
        return Optional.empty();
    }

    /** Removes {@code name=...} from every Cookie header, leaving the other cookies byte for byte. */
    static void strip(String name, HttpHeaders headers) {
        if (name == null || name.isEmpty() || !headers.contains(HttpHeaderNames.COOKIE)) {
            return;
        }
        List<String> kept = new ArrayList<>();
        for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
            List<String> pairs = new ArrayList<>();
            for (String pair : header.split(";")) {
                String trimmed = pair.trim();
                int eq = trimmed.indexOf('=');
                String cookieName = eq < 0 ? trimmed : trimmed.substring(0, eq).trim();
                if (!trimmed.isEmpty() && !cookieName.equals(name)) {
                    pairs.add(trimmed);
                }
            }
            if (!pairs.isEmpty()) {
                kept.add(String.join("; ", pairs));
            }
        }
        headers.remove(HttpHeaderNames.COOKIE);
        kept.forEach(v -> headers.add(HttpHeaderNames.COOKIE, v));
    }

    /** A session cookie (no Max-Age) naming {@code backend}, for the whole site. */
    static String setCookie(String name, String backend) {
        return name + "=" + backend + "; Path=/; HttpOnly; SameSite=Lax";
    }
}
