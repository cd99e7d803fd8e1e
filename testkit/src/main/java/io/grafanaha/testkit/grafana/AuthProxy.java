package io.grafanaha.testkit.grafana;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Grafana's auth proxy client ({@code pkg/services/authn/clients/proxy.go} and {@code grafana.go}, user
 * sync in {@code pkg/services/authn/authnimpl/sync/user_sync.go}); facts and sources in
 * {@code testkit/AUTH-PROXY.md}. It is tried only when the user header is present. The whitelist is
 * matched against the TCP peer, never a forwarded-for header, so only the proxy itself can vouch.
 */
final class AuthProxy {
    /** What the auth proxy made of a request. */
    sealed interface Outcome {
        /** The header is absent: other credentials decide. */
        record NotTried() implements Outcome {}

        record SignedIn(String login) implements Outcome {}

        /** Refused: Grafana still tries the other clients (session cookie), and answers this if none signs in. */
        record Refused(ApiResponse response) implements Outcome {}
    }

    private static final List<String> ROLES = List.of("Viewer", "Editor", "Admin", "None");

    private final AuthProxyOptions options;
    private final Users users;
    private final List<IpSubnetFilterRule> whitelist;

    AuthProxy(AuthProxyOptions options, Users users) {
        this.options = options;
        this.users = users;
        this.whitelist = options.whitelist().stream().map(AuthProxy::rule).toList();
    }

    Outcome authenticate(HttpHeaders headers, InetSocketAddress remote) {
        if (!options.enabled()) {
            return new Outcome.NotTried();
        }
        String username = header(headers, options.headerName());
        if (username.isEmpty()) {
            return new Outcome.NotTried();
        }
        if (!allowed(remote)) {
            return new Outcome.Refused(errutil(401, "Unauthorized", "auth-proxy.invalid-ip"));
        }
        String login = username;
        String email = "";
        if (options.headerProperty().equals("email") || username.contains("@")) {
            email = username; // "username" keeps an address that parses as one as the email too
        }
        String name = extra(headers, "Name");
        email = extra(headers, "Email").isEmpty() ? email : extra(headers, "Email");
        login = extra(headers, "Login").isEmpty() ? login : extra(headers, "Login");
        String role = extra(headers, "Role");
        String groupsHeader = extra(headers, "Groups");
        List<String> groups = groupsHeader.isEmpty() ? null
                : Arrays.stream(groupsHeader.split("[,\\s]+")).filter(g -> !g.isEmpty()).toList();
        Optional<GrafanaUser> existing = users.lookUp(email, login);
        if (existing.isEmpty()) {
            if (!options.autoSignUp()) {
                return new Outcome.Refused(errutil(403, "User sync forbidden", "user.sync.forbidden"));
            }
            GrafanaUser created = users.create(login, email, name, ROLES.contains(role) ? role : Users.AUTO_ASSIGN_ROLE,
                    groups == null ? List.of() : groups, false, "authproxy");
            return new Outcome.SignedIn(created.login());
        }
        GrafanaUser u = existing.get();
        // Role sync: a valid role header replaces the org role on every request; without one the role stays.
        GrafanaUser synced = new GrafanaUser(u.id(), login, email.isEmpty() ? u.email() : email,
                name.isEmpty() ? u.name() : name, ROLES.contains(role) ? role : u.role(),
                groups == null ? u.groups() : groups, u.grafanaAdmin(), "authproxy");
        users.replace(synced);
        return new Outcome.SignedIn(synced.login());
    }

    private String extra(HttpHeaders headers, String field) {
        String header = options.headers().get(field);
        return header == null ? "" : header(headers, header);
    }

    /**
     * Go's {@code Header.Get}: the value's bytes as a (UTF-8) string; Netty hands them over one char per byte. With
     * {@code headers_encoded}, {@code util.DecodeQuotedPrintable} of it, the value itself when it does not decode.
     */
    private String header(HttpHeaders headers, String name) {
        byte[] raw = headers.get(name, "").getBytes(StandardCharsets.ISO_8859_1);
        if (options.headersEncoded()) {
            raw = QuotedPrintable.decode(raw).orElse(raw);
        }
        return new String(raw, StandardCharsets.UTF_8);
    }

    private boolean allowed(InetSocketAddress remote) {
        if (whitelist.isEmpty()) {
            return true;
        }
        return remote != null && whitelist.stream().anyMatch(r -> r.matches(remote));
    }

    /** An entry without a prefix length is one address (Grafana appends /32). */
    private static IpSubnetFilterRule rule(String entry) {
        String cidr = entry.trim();
        int slash = cidr.indexOf('/');
        String address = slash < 0 ? cidr : cidr.substring(0, slash);
        int prefix = slash < 0 ? (address.contains(":") ? 128 : 32) : Integer.parseInt(cidr.substring(slash + 1));
        return new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT);
    }

    /** The body errutil writes for a public error (same shape as {@link Authenticator#UNAUTHORIZED_BODY}). */
    static ApiResponse errutil(int status, String message, String messageId) {
        String body = "{\"extra\":null,\"message\":" + Json.quote(message) + ",\"messageId\":" + Json.quote(messageId)
                + ",\"statusCode\":" + status + ",\"traceID\":\"\"}";
        return ApiResponse.json(status, body.getBytes(StandardCharsets.UTF_8));
    }
}
