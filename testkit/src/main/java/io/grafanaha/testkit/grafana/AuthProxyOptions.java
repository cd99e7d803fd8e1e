package io.grafanaha.testkit.grafana;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Grafana's {@code [auth.proxy]} section as the emulator honours it (facts and sources in
 * {@code testkit/AUTH-PROXY.md}). Immutable; setters return a copy.
 *
 * @param enabled        {@code enabled}, default false
 * @param headerName     {@code header_name}, default {@code X-WEBAUTH-USER}
 * @param headerProperty {@code header_property}: {@code username} (default) or {@code email}
 * @param autoSignUp     {@code auto_sign_up}, default true: an unknown user is created, else refused
 * @param whitelist      {@code whitelist}: addresses or CIDRs the header is accepted from; empty = any
 * @param headers        {@code headers}: field (Name, Email, Login, Role, Groups) → header name
 * @param headersEncoded {@code headers_encoded}, default false: every auth proxy header is quoted-printable decoded
 */
public record AuthProxyOptions(boolean enabled, String headerName, String headerProperty, boolean autoSignUp,
                               List<String> whitelist, Map<String, String> headers, boolean headersEncoded) {
    static final Set<String> FIELDS = Set.of("Name", "Email", "Login", "Role", "Groups");

    public AuthProxyOptions {
        Objects.requireNonNull(headerName, "headerName");
        if (!headerProperty.equals("username") && !headerProperty.equals("email")) {
            throw new IllegalArgumentException("header_property must be username or email: " + headerProperty);
        }
        for (String field : headers.keySet()) {
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException("unknown auth proxy header field: " + field);
            }
        }
        whitelist = List.copyOf(whitelist);
        headers = Map.copyOf(headers);
    }

    public AuthProxyOptions(boolean enabled, String headerName, String headerProperty, boolean autoSignUp,
                            List<String> whitelist, Map<String, String> headers) {
        this(enabled, headerName, headerProperty, autoSignUp, whitelist, headers, false);
    }

    /** Grafana's defaults (conf/defaults.ini): off, X-WEBAUTH-USER, username, auto sign-up on, no whitelist. */
    public static AuthProxyOptions disabled() {
        return new AuthProxyOptions(false, "X-WEBAUTH-USER", "username", true, List.of(), Map.of());
    }

    /** On, with Grafana's defaults and the usual extra headers (X-WEBAUTH-EMAIL, -NAME, -ROLE, -GROUPS). */
    public static AuthProxyOptions enabledWithDefaultHeaders() {
        return new AuthProxyOptions(true, "X-WEBAUTH-USER", "username", true, List.of(),
                Map.of("Email", "X-WEBAUTH-EMAIL", "Name", "X-WEBAUTH-NAME", "Role", "X-WEBAUTH-ROLE",
                        "Groups", "X-WEBAUTH-GROUPS"));
    }

    public AuthProxyOptions headerName(String value) {
        return new AuthProxyOptions(enabled, value, headerProperty, autoSignUp, whitelist, headers, headersEncoded);
    }

    public AuthProxyOptions headerProperty(String value) {
        return new AuthProxyOptions(enabled, headerName, value, autoSignUp, whitelist, headers, headersEncoded);
    }

    public AuthProxyOptions autoSignUp(boolean value) {
        return new AuthProxyOptions(enabled, headerName, headerProperty, value, whitelist, headers, headersEncoded);
    }

    public AuthProxyOptions whitelist(String... values) {
        return new AuthProxyOptions(enabled, headerName, headerProperty, autoSignUp, List.of(values), headers, headersEncoded);
    }

    public AuthProxyOptions headers(Map<String, String> value) {
        return new AuthProxyOptions(enabled, headerName, headerProperty, autoSignUp, whitelist, value, headersEncoded);
    }

    public AuthProxyOptions headersEncoded(boolean value) {
        return new AuthProxyOptions(enabled, headerName, headerProperty, autoSignUp, whitelist, headers, value);
    }
}
