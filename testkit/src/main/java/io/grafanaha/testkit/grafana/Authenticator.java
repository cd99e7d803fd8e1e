package io.grafanaha.testkit.grafana;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Who is calling (grafana-api.md §1.9): a service-account Bearer token, basic auth of the admin
 * user, or a {@code grafana_session} cookie. An Authorization header that does not check out fails
 * the request even if a valid cookie is also present, as Grafana's authn does not fall back.
 */
final class Authenticator {
    static final String SESSION_COOKIE = "grafana_session";
    static final String UNAUTHORIZED_BODY =
            "{\"extra\":null,\"message\":\"Unauthorized\",\"messageId\":\"auth.unauthorized\",\"statusCode\":401,\"traceID\":\"\"}";

    private final EmulatorOptions options;
    private final SessionRegistry sessions;

    Authenticator(EmulatorOptions options, SessionRegistry sessions) {
        this.options = options;
        this.sessions = sessions;
    }

    /** The login of the caller, or empty when the request is not authenticated. */
    Optional<String> authenticate(HttpHeaders headers) {
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null) {
            return fromAuthorization(authorization.trim());
        }
        return sessionCookie(headers).flatMap(sessions::login);
    }

    boolean passwordMatches(String user, String password) {
        return options.adminUser().equals(user) && options.adminPassword().equals(password);
    }

    private Optional<String> fromAuthorization(String header) {
        int space = header.indexOf(' ');
        if (space < 0) {
            return Optional.empty();
        }
        String scheme = header.substring(0, space);
        String credentials = header.substring(space + 1).trim();
        if (scheme.equalsIgnoreCase("Bearer")) {
            return options.token().equals(credentials) ? Optional.of(options.serviceAccountLogin()) : Optional.empty();
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            int colon = decoded.indexOf(':');
            if (colon >= 0 && passwordMatches(decoded.substring(0, colon), decoded.substring(colon + 1))) {
                return Optional.of(options.adminUser());
            }
        }
        return Optional.empty();
    }

    static Optional<String> sessionCookie(HttpHeaders headers) {
        for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
            for (Cookie cookie : ServerCookieDecoder.LAX.decodeAll(header)) {
                if (SESSION_COOKIE.equals(cookie.name())) {
                    return Optional.of(cookie.value());
                }
            }
        }
        return Optional.empty();
    }

    static ApiResponse unauthorized() {
        return ApiResponse.json(401, UNAUTHORIZED_BODY.getBytes(StandardCharsets.UTF_8));
    }
}
