package io.grafanaha.testkit.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Stands in front of the GitServlet for the two things a real Git host does that JGit does not: being down
 * (503) and wanting a token as the basic-auth password, the way GitHub and GitLab accept personal tokens.
 */
final class GitAccessFilter extends HttpFilter {

    private final Optional<String> token;
    private final AtomicBoolean unavailable;

    GitAccessFilter(Optional<String> token, AtomicBoolean unavailable) {
        this.token = token;
        this.unavailable = unavailable;
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (unavailable.get()) {
            res.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Git server switched off by the test");
            return;
        }
        if (token.isPresent() && !token.get().equals(password(req.getHeader("Authorization")))) {
            res.setHeader("WWW-Authenticate", "Basic realm=\"git\"");
            res.sendError(HttpServletResponse.SC_UNAUTHORIZED);
            return;
        }
        chain.doFilter(req, res);
    }

    private static String password(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        return colon < 0 ? null : decoded.substring(colon + 1);
    }
}
