package io.grafanaha.testkit.grafana;

import java.util.List;

/**
 * A user of the emulated instance's database, as a test reads it back.
 *
 * @param role           the org role in the one organisation: Viewer, Editor, Admin or None
 * @param groups         the groups the auth proxy last reported (Grafana uses them for team sync)
 * @param authModule     how the user was created or last synced: {@code authproxy}, or empty for built-in
 */
public record GrafanaUser(long id, String login, String email, String name, String role, List<String> groups,
                          boolean grafanaAdmin, String authModule) {
    public GrafanaUser {
        groups = List.copyOf(groups);
    }
}
