package io.grafanaha.gateway.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code auth}: who is signed in, told to Grafana through its auth proxy ({@code [auth.proxy]}).
 * {@code none} (the default) forwards as before; {@code trusted-header} believes the user an
 * authenticating proxy in {@code proxy.trusted-proxies} names; {@code oidc} signs people in at an
 * OpenID Connect provider and keeps the session in an encrypted cookie. Whatever the mode, client-sent
 * copies of the {@link GrafanaHeaders} never reach Grafana.
 *
 * @param grafana       the header names Grafana's {@code [auth.proxy]} reads
 * @param trustedHeader the header names an authenticating proxy in front sets ({@code trusted-header} mode)
 * @param oidc          the provider ({@code oidc} mode only)
 * @param sessionSecret the key material of the session cookie ({@code oidc}); at least 32 characters
 * @param sessionTtl    how long a session cookie is accepted after sign-in
 * @param headersEncoded {@code auth.headers-encoded}: send the {@link GrafanaHeaders} quoted-printable, as Grafana's
 *                      {@code [auth.proxy] headers_encoded = true} decodes them; off (the default), a sign-in whose
 *                      values are not ASCII is refused with a page that says so, never sent mangled
 */
public record AuthConfig(Mode mode, GrafanaHeaders grafana, TrustedHeaders trustedHeader, Optional<OidcConfig> oidc,
                         Secret sessionSecret, Duration sessionTtl, boolean headersEncoded) {
    /** How people are signed in. */
    public enum Mode { NONE, TRUSTED_HEADER, OIDC }

    /** Grafana's roles, the values a role mapping may name. */
    public static final List<String> ROLES = List.of("Viewer", "Editor", "Admin");
    public static final Duration DEFAULT_SESSION_TTL = Duration.ofHours(8);
    /** Off: today's behaviour. */
    public static final AuthConfig NONE = new AuthConfig(Mode.NONE, GrafanaHeaders.DEFAULT, TrustedHeaders.DEFAULT,
            Optional.empty(), new Secret(""), DEFAULT_SESSION_TTL);

    // RFC 9110 field-name = token.
    private static final Pattern HEADER = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final int MIN_SECRET = 32;

    /** Without {@code headers-encoded} (off). */
    public AuthConfig(Mode mode, GrafanaHeaders grafana, TrustedHeaders trustedHeader, Optional<OidcConfig> oidc,
                      Secret sessionSecret, Duration sessionTtl) {
        this(mode, grafana, trustedHeader, oidc, sessionSecret, sessionTtl, false);
    }

    public boolean enabled() {
        return mode != Mode.NONE;
    }

    /**
     * {@code auth.grafana-headers}: the names Grafana's {@code header_name} and {@code headers} use. Defaults
     * are Grafana's documented ones; an empty name is not sent.
     */
    public record GrafanaHeaders(String user, String email, String name, String role, String groups) {
        public static final GrafanaHeaders DEFAULT = new GrafanaHeaders("X-WEBAUTH-USER", "X-WEBAUTH-EMAIL",
                "X-WEBAUTH-NAME", "X-WEBAUTH-ROLE", "X-WEBAUTH-GROUPS");

        /** The names in use, for stripping client copies. */
        public List<String> all() {
            return java.util.stream.Stream.of(user, email, name, role, groups).filter(n -> !n.isEmpty()).toList();
        }
    }

    /** {@code auth.trusted-header}: oauth2-proxy's names by default; an empty name is not read. */
    public record TrustedHeaders(String user, String email, String name, String groups, String role) {
        public static final TrustedHeaders DEFAULT = new TrustedHeaders("X-Auth-Request-User", "X-Auth-Request-Email",
                "", "X-Auth-Request-Groups", "");

        public List<String> all() {
            return java.util.stream.Stream.of(user, email, name, groups, role).filter(n -> !n.isEmpty()).toList();
        }
    }

    /**
     * {@code auth.oidc}.
     *
     * @param issuer       the provider's issuer URL; its discovery document is {@code issuer/.well-known/openid-configuration}
     * @param redirectUri  the gateway's callback as the provider knows it (empty: derived from each request's Host)
     * @param roleClaim    the ID token claim (a string or a list of strings) the role is read from; empty = none
     * @param roles        claim value → Grafana role
     * @param defaultRole  the role when no claim value is mapped
     */
    public record OidcConfig(URI issuer, String clientId, Secret clientSecret, Optional<URI> redirectUri,
                             List<String> scopes, String roleClaim, Map<String, String> roles, String defaultRole) {
        public OidcConfig {
            scopes = List.copyOf(scopes);
            roles = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(roles));
        }
    }

    /** Reads the {@code auth} section; problems go where the loader collects them. */
    static AuthConfig read(Section a) {
        a.rejectUnknown(Set.of("mode", "grafana-headers", "trusted-header", "oidc", "session-secret", "session-ttl",
                "headers-encoded"));
        Map<String, Mode> modes = new LinkedHashMap<>();
        modes.put("none", Mode.NONE);
        modes.put("trusted-header", Mode.TRUSTED_HEADER);
        modes.put("oidc", Mode.OIDC);
        Mode mode = a.choice("mode", Mode.NONE, modes);
        Section g = a.section("grafana-headers");
        g.rejectUnknown(Set.of("user", "email", "name", "role", "groups"));
        GrafanaHeaders d = GrafanaHeaders.DEFAULT;
        GrafanaHeaders grafana = new GrafanaHeaders(header(g, "user", d.user(), true), header(g, "email", d.email(), false),
                header(g, "name", d.name(), false), header(g, "role", d.role(), false), header(g, "groups", d.groups(), false));
        Section t = a.section("trusted-header");
        t.rejectUnknown(Set.of("user", "email", "name", "groups", "role"));
        TrustedHeaders td = TrustedHeaders.DEFAULT;
        TrustedHeaders trusted = new TrustedHeaders(header(t, "user", td.user(), true), header(t, "email", td.email(), false),
                header(t, "name", td.name(), false), header(t, "groups", td.groups(), false), header(t, "role", td.role(), false));
        Secret secret = a.secret("session-secret");
        Duration ttl = a.positiveDuration("session-ttl", DEFAULT_SESSION_TTL);
        boolean encoded = a.bool("headers-encoded", false);
        Optional<OidcConfig> oidc = Optional.empty();
        if (mode == Mode.OIDC) {
            if (!a.has("oidc")) {
                a.problem("mode", "is oidc but there is no auth.oidc section (issuer, client-id, client-secret)");
            } else {
                oidc = Optional.of(oidc(a.section("oidc")));
            }
            if (secret.isEmpty()) {
                a.problem("session-secret", "required with mode oidc: the key of the session cookie, at least "
                        + MIN_SECRET + " characters, the same on every gateway (write ${GATEWAY_SESSION_SECRET})");
            } else if (secret.reveal().length() < MIN_SECRET) {
                a.problem("session-secret", "is " + secret.reveal().length() + " characters; at least " + MIN_SECRET
                        + " are needed for a 256-bit cookie key");
            }
        } else if (a.has("oidc")) {
            a.problem("oidc", "is set but auth.mode is not oidc");
        }
        if (mode == Mode.TRUSTED_HEADER && trusted.user().isEmpty()) {
            t.problem("user", "must name the header that carries the user in trusted-header mode");
        }
        return new AuthConfig(mode, grafana, trusted, oidc, secret, ttl, encoded);
    }

    private static String header(Section s, String key, String fallback, boolean required) {
        String value = s.string(key, fallback).trim();
        if (value.isEmpty() && required) {
            s.problem(key, "must not be empty");
            return fallback;
        }
        if (!value.isEmpty() && !HEADER.matcher(value).matches()) {
            s.problem(key, "\"" + value + "\" is not a header name");
            return fallback;
        }
        return value;
    }

    private static OidcConfig oidc(Section o) {
        o.rejectUnknown(Set.of("issuer", "client-id", "client-secret", "redirect-url", "scopes", "role-claim", "roles",
                "default-role"));
        URI issuer = url(o, "issuer", true).orElse(URI.create("https://invalid"));
        String clientId = o.required("client-id").trim();
        Optional<URI> redirect = url(o, "redirect-url", false);
        List<String> scopes = o.has("scopes") ? o.scalars("scopes") : List.of("openid", "profile", "email");
        if (!scopes.contains("openid")) {
            o.problem("scopes", "must include openid (without it the provider issues no ID token)");
        }
        Map<String, String> roles = new LinkedHashMap<>();
        Section r = o.section("roles");
        for (String claimValue : r.keys()) {
            String role = r.string(claimValue, "").trim();
            if (!ROLES.contains(role)) {
                r.problem(claimValue, "\"" + role + "\" is not a Grafana role (Viewer, Editor or Admin)");
            } else {
                roles.put(claimValue, role);
            }
        }
        String defaultRole = o.string("default-role", "Viewer").trim();
        if (!ROLES.contains(defaultRole)) {
            o.problem("default-role", "\"" + defaultRole + "\" is not a Grafana role (Viewer, Editor or Admin)");
            defaultRole = "Viewer";
        }
        return new OidcConfig(issuer, clientId, o.secret("client-secret"), redirect, scopes,
                o.string("role-claim", "").trim(), roles, defaultRole);
    }

    private static Optional<URI> url(Section s, String key, boolean required) {
        String text = required ? s.required(key).trim() : s.string(key, "").trim();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(text);
            boolean http = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
            if (!http || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                s.problem(key, "\"" + text + "\" is not an http or https URL without query or fragment");
                return Optional.empty();
            }
            return Optional.of(uri);
        } catch (URISyntaxException e) {
            s.problem(key, "\"" + text + "\" is not an http or https URL");
            return Optional.empty();
        }
    }
}
