package io.grafanaha.testkit.grafana;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The instance's user table. Each emulator has its own, like a Grafana with its own database: the
 * same person gets a different id on each instance, which is why sign-in must not live in one of them.
 * Seeded with the built-in admin (id 1, Grafana Admin, org Admin).
 */
final class Users {
    /** {@code [users] auto_assign_org_role} default: what a signed-up user gets without a role header. */
    static final String AUTO_ASSIGN_ROLE = "Viewer";

    private final List<GrafanaUser> users = new ArrayList<>();
    private long nextId = 1;

    Users(String adminLogin) {
        create(adminLogin, "admin@localhost", "", "Admin", List.of(), true, "");
    }

    synchronized Optional<GrafanaUser> byLogin(String login) {
        return users.stream().filter(u -> u.login().equalsIgnoreCase(login)).findFirst();
    }

    /** Grafana's user sync looks a person up by email first, then by login. */
    synchronized Optional<GrafanaUser> lookUp(String email, String login) {
        if (!email.isEmpty()) {
            Optional<GrafanaUser> found = users.stream().filter(u -> u.email().equalsIgnoreCase(email)).findFirst();
            if (found.isPresent()) {
                return found;
            }
        }
        return login.isEmpty() ? Optional.empty() : byLogin(login);
    }

    synchronized GrafanaUser create(String login, String email, String name, String role, List<String> groups,
            boolean grafanaAdmin, String authModule) {
        GrafanaUser user = new GrafanaUser(nextId++, login, email, name, role, groups, grafanaAdmin, authModule);
        users.add(user);
        return user;
    }

    synchronized void replace(GrafanaUser user) {
        users.replaceAll(u -> u.id() == user.id() ? user : u);
    }

    synchronized List<GrafanaUser> all() {
        return List.copyOf(users);
    }
}
