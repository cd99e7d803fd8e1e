package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.Optional;

/**
 * {@code GET /api/user} (the signed-in user) and {@code GET /api/user/orgs} (its organisations with
 * its role): what a test reads to see who Grafana believes is calling, e.g. through the auth proxy.
 */
final class UserApi {
    private final Users users;

    UserApi(Users users) {
        this.users = users;
    }

    void register(Router router) {
        router.add("GET", "/api/user", this::user);
        router.add("GET", "/api/user/orgs", this::orgs);
    }

    private ApiResponse user(ApiRequest req) {
        Optional<GrafanaUser> user = users.byLogin(req.login());
        if (user.isEmpty()) {
            return Json.message(404, "user not found"); // a service account is no user
        }
        GrafanaUser u = user.get();
        ArrayNode labels = Json.object().arrayNode();
        if (u.authModule().equals("authproxy")) {
            labels.add("Auth Proxy");
        }
        return Json.ok(Json.object().put("id", u.id()).put("email", u.email()).put("name", u.name())
                .put("login", u.login()).put("orgId", 1).put("isGrafanaAdmin", u.grafanaAdmin())
                .put("isDisabled", false).put("isExternal", !u.authModule().isEmpty()).set("authLabels", labels));
    }

    private ApiResponse orgs(ApiRequest req) {
        Optional<GrafanaUser> user = users.byLogin(req.login());
        if (user.isEmpty()) {
            return Json.message(404, "user not found");
        }
        ArrayNode orgs = Json.object().arrayNode();
        orgs.addObject().put("orgId", 1).put("name", "Main Org.").put("role", user.get().role());
        return Json.ok(orgs);
    }
}
