package io.grafanaha.testkit.oidc;

import java.util.List;
import java.util.Map;

/**
 * The person the issuer signs in next, as ID token claims.
 *
 * @param subject the {@code sub} claim
 * @param extra   further claims ({@code groups}, a role claim)
 */
public record OidcUser(String subject, String preferredUsername, String email, String name, Map<String, Object> extra) {
    public OidcUser {
        extra = Map.copyOf(extra);
    }

    public static OidcUser of(String username) {
        return new OidcUser("sub-" + username, username, username + "@example.com", username, Map.of());
    }

    public OidcUser withGroups(String... groups) {
        java.util.Map<String, Object> all = new java.util.HashMap<>(extra);
        all.put("groups", List.of(groups));
        return new OidcUser(subject, preferredUsername, email, name, all);
    }
}
