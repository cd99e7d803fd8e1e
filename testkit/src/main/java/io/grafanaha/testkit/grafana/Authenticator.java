package io.grafanaha.testkit.grafana;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Who is calling (grafana-api.md §1.9): a service-account Bearer token, basic auth of the admin
 * user, the auth proxy's user header (when {@code [auth.proxy]} is on), or a {@code grafana_session}
 * cookie. An Authorization header that does not check out fails the request even if a valid cookie is
 * also present, as Grafana's authn does not fall back. A refused auth proxy header does fall back to
 * the cookie (authnimpl's client loop continues after a failing client), and its error is the answer
 * when nothing else signs the request in.
 */
final class Authenticator {
    static final String SESSION_COOKIE = "grafana_session";
    static final String UNAUTHORIZED_BODY =
            "{\"extra\":null,\"message\":\"Unauthorized\",\"messageId\":\"auth.unauthorized\",\"statusCode\":401,\"traceID\":\"\"}";

    /** A signed-in login, or the answer to give when there is none. */
    record Result(Optional<String> login, ApiResponse refusal) {
        static Result of(Optional<String> login) {
            return new Result(login, unauthorized());
        }

        boolean signedIn() {
            return login.isPresent();
        }
    }

    private final EmulatorOptions options;
    private final SessionRegistry sessions;
    private final AuthProxy authProxy;

    Authenticator(EmulatorOptions options, SessionRegistry sessions, Users users) {
        this.options = options;
        this.sessions = sessions;
        this.authProxy = new AuthProxy(options.authProxy(), users);
    }

    /** The login of the caller, or the refusal when the request is not authenticated. */
    Result authenticate(HttpHeaders headers, InetSocketAddress remote) {
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null) {
            return Result.of(fromAuthorization(authorization.trim()));
        }
        AuthProxy.Outcome proxied = authProxy.authenticate(headers, remote);
        if (proxied instanceof AuthProxy.Outcome.SignedIn in) {
            return Result.of(Optional.of(in.login()));
        }
        Optional<String> session = sessionCookie(headers).flatMap(sessions::login);
        if (session.isEmpty() && proxied instanceof AuthProxy.Outcome.Refused refused) {
            return new Result(session, refused.response());
        }
        return Result.of(session);
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
