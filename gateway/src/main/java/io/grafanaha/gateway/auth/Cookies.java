package io.grafanaha.gateway.auth;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The gateway's own cookies: read from a request, written in an answer, kept away from Grafana. */
final class Cookies {
    /** The session: who is signed in, sealed (see {@link SessionCodec}). */
    static final String SESSION = "grafana_gateway_session";
    /** A sign-in in progress: state, nonce, PKCE verifier and where to go back to; lives ten minutes. */
    static final String LOGIN = "grafana_gateway_login";
    private static final Set<String> OURS = Set.of(SESSION, LOGIN);

    private Cookies() {}

    static Optional<String> read(HttpHeaders headers, String name) {
        for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
            for (Cookie cookie : ServerCookieDecoder.LAX.decodeAll(header)) {
                if (name.equals(cookie.name())) {
                    return Optional.of(cookie.value());
                }
            }
        }
        return Optional.empty();
    }

    static Optional<String> read(Map<String, List<String>> headers, String name) {
        for (String header : headers.getOrDefault("cookie", List.of())) {
            for (Cookie cookie : ServerCookieDecoder.LAX.decodeAll(header)) {
                if (name.equals(cookie.name())) {
                    return Optional.of(cookie.value());
                }
            }
        }
        return Optional.empty();
    }

    /** A Set-Cookie value: HttpOnly, SameSite=Lax (the provider's redirect back is a top-level GET), Secure over TLS. */
    static String set(String name, String value, String path, Duration maxAge, boolean secure) {
        DefaultCookie cookie = new DefaultCookie(name, value);
        cookie.setPath(path);
        cookie.setHttpOnly(true);
        cookie.setSecure(secure);
        cookie.setSameSite(CookieHeaderNames.SameSite.Lax);
        cookie.setMaxAge(maxAge.toSeconds());
        return ServerCookieEncoder.STRICT.encode(cookie);
    }

    static String clear(String name, String path, boolean secure) {
        return set(name, "", path, Duration.ZERO, secure);
    }

    /** Removes the gateway's cookies from the Cookie headers, keeping every other cookie as sent. */
    static void strip(HttpHeaders headers) {
        List<String> values = headers.getAll(HttpHeaderNames.COOKIE);
        if (values.isEmpty()) {
            return;
        }
        List<String> kept = new ArrayList<>();
        boolean changed = false;
        for (String value : values) {
            List<String> parts = new ArrayList<>();
            for (String part : value.split(";")) {
                String trimmed = part.trim();
                int eq = trimmed.indexOf('=');
                String name = eq < 0 ? trimmed : trimmed.substring(0, eq).trim();
                if (OURS.contains(name)) {
                    changed = true;
                } else if (!trimmed.isEmpty()) {
                    parts.add(trimmed);
                }
            }
            if (!parts.isEmpty()) {
                kept.add(String.join("; ", parts));
            }
        }
        if (changed) {
            headers.remove(HttpHeaderNames.COOKIE);
            kept.forEach(v -> headers.add(HttpHeaderNames.COOKIE, v));
        }
    }
}
