package io.grafanaha.gateway.auth;

import java.util.List;
import java.util.Objects;

/**
 * Who a request comes from, as the gateway signed them in: what it tells Grafana's auth proxy, and what
 * an access log may print. Values are single-line (checked by {@link #of}).
 *
 * @param user   the login Grafana's {@code header_name} receives; never empty
 * @param email  empty when unknown
 * @param name   display name, empty when unknown
 * @param role   Viewer, Editor or Admin; empty to leave Grafana's role as it is
 * @param groups empty when unknown
 */
public record Identity(String user, String email, String name, String role, List<String> groups) {
    public Identity {
        Objects.requireNonNull(user, "user");
        email = email == null ? "" : email;
        name = name == null ? "" : name;
        role = role == null ? "" : role;
        groups = List.copyOf(groups);
    }

    /** The identity, or null when a value could not travel in a header (empty user, a control character). */
    static Identity of(String user, String email, String name, String role, List<String> groups) {
        if (user == null || user.isBlank() || !headerSafe(user) || !headerSafe(email) || !headerSafe(name)
                || !headerSafe(role) || !groups.stream().allMatch(Identity::headerSafe)) {
            return null;
        }
        return new Identity(user.trim(), trim(email), trim(name), trim(role), groups.stream().map(String::trim).toList());
    }

    private static String trim(String s) {
        return s == null ? "" : s.trim();
    }

    /** No control characters: a value with CR or LF would split the header it is sent in. */
    static boolean headerSafe(String value) {
        if (value == null) {
            return true;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return false;
            }
        }
        return true;
    }
}
