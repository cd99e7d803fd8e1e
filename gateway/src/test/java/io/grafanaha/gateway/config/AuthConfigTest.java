package io.grafanaha.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthConfigTest {
    private static final String MINIMAL = """
            listen: 127.0.0.1:8080
            admin:
              listen: 127.0.0.1:9090
            mode: failover
            backends:
              - name: grafana-a
                url: http://127.0.0.1:3000
                role: primary
            """;
    private static final String SECRET = "0123456789abcdef0123456789abcdef";

    private static GatewayConfig parse(String yaml, Map<String, String> env) throws ConfigException {
        return new ConfigLoader(env).parse(yaml, "test.yaml");
    }

    private static List<String> problems(String yaml) {
        try {
            parse(yaml, Map.of());
        } catch (ConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
        throw new AssertionError("expected the configuration to be refused");
    }

    @Test
    void withoutAnAuthSectionNobodyIsSignedInAndGrafanasHeaderNamesApply() throws Exception {
        AuthConfig auth = parse(MINIMAL, Map.of()).auth();
        assertThat(auth.mode()).isEqualTo(AuthConfig.Mode.NONE);
        assertThat(auth.enabled()).isFalse();
        assertThat(auth.grafana()).isEqualTo(AuthConfig.GrafanaHeaders.DEFAULT);
        assertThat(auth.sessionTtl()).isEqualTo(Duration.ofHours(8));
    }

    @Test
    void trustedHeaderModeReadsItsHeaderNamesAndGrafanasOwn() throws Exception {
        AuthConfig auth = parse(MINIMAL + """
                proxy:
                  trusted-proxies: [10.0.0.5]
                auth:
                  mode: trusted-header
                  grafana-headers:
                    user: X-Forwarded-User
                    groups: ""
                  trusted-header:
                    user: X-Goog-Authenticated-User-Email
                    role: X-Role
                """, Map.of()).auth();
        assertThat(auth.mode()).isEqualTo(AuthConfig.Mode.TRUSTED_HEADER);
        assertThat(auth.grafana().user()).isEqualTo("X-Forwarded-User");
        assertThat(auth.grafana().email()).isEqualTo("X-WEBAUTH-EMAIL");
        assertThat(auth.grafana().all()).doesNotContain("X-WEBAUTH-GROUPS");
        assertThat(auth.trustedHeader().user()).isEqualTo("X-Goog-Authenticated-User-Email");
        assertThat(auth.trustedHeader().email()).isEqualTo("X-Auth-Request-Email");
        assertThat(auth.trustedHeader().role()).isEqualTo("X-Role");
    }

    @Test
    void headersEncodedIsOffByDefaultReadAsABooleanAndCheckedByCheck() throws Exception {
        assertThat(parse(MINIMAL, Map.of()).auth().headersEncoded()).isFalse();
        GatewayConfig on = parse(MINIMAL + "proxy:\n  trusted-proxies: [10.0.0.5]\nauth:\n  mode: trusted-header\n"
                + "  headers-encoded: true\n", Map.of());
        assertThat(on.auth().headersEncoded()).isTrue();
        assertThat(ConfigWarnings.of(on)).anySatisfy(w -> assertThat(w).contains("headers_encoded = true"));
        assertThat(parse(ConfigPrinter.print(on), Map.of()).auth().headersEncoded()).isTrue();
        assertThat(problems(MINIMAL + "auth:\n  headers-encoded: maybe\n"))
                .containsExactly("auth.headers-encoded (line 10): \"maybe\" is not true or false");
    }

    @Test
    void trustedHeaderWithoutTrustedProxiesIsRefusedWithItsLine() {
        assertThat(problems(MINIMAL + "auth:\n  mode: trusted-header\n"))
                .containsExactly("auth.mode (line 10): is trusted-header but proxy.trusted-proxies is empty: name the"
                        + " authenticating proxy's addresses, or nobody's user header is ever believed");
    }

    @Test
    void oidcModeReadsTheProviderTheRoleMappingAndTheSecretFromTheEnvironment() throws Exception {
        AuthConfig auth = parse(MINIMAL + """
                auth:
                  mode: oidc
                  session-secret: ${SESSION_SECRET}
                  session-ttl: 12h
                  oidc:
                    issuer: https://idp.example.com/realms/ops
                    client-id: grafana-gateway
                    client-secret: ${CLIENT_SECRET}
                    role-claim: groups
                    roles:
                      grafana-admins: Admin
                      grafana-editors: Editor
                """, Map.of("SESSION_SECRET", SECRET, "CLIENT_SECRET", "s3cret")).auth();
        assertThat(auth.mode()).isEqualTo(AuthConfig.Mode.OIDC);
        assertThat(auth.sessionSecret().reveal()).isEqualTo(SECRET);
        assertThat(auth.sessionTtl()).isEqualTo(Duration.ofHours(12));
        AuthConfig.OidcConfig oidc = auth.oidc().orElseThrow();
        assertThat(oidc.issuer()).isEqualTo(URI.create("https://idp.example.com/realms/ops"));
        assertThat(oidc.clientSecret().reveal()).isEqualTo("s3cret");
        assertThat(oidc.scopes()).containsExactly("openid", "profile", "email");
        assertThat(oidc.roles()).containsExactly(Map.entry("grafana-admins", "Admin"), Map.entry("grafana-editors", "Editor"));
        assertThat(oidc.defaultRole()).isEqualTo("Viewer");
        assertThat(oidc.redirectUri()).isEmpty();
    }

    @Test
    void everyOidcMistakeIsReportedWithItsKeyAndLine() {
        assertThat(problems(MINIMAL + """
                auth:
                  mode: oidc
                  session-secret: short
                  grafana-headers:
                    user: "X Bad"
                  oidc:
                    issuer: ftp://idp
                    scopes: [profile]
                    roles:
                      ops: Superuser
                    default-role: Owner
                    colour: blue
                """)).containsExactly(
                "auth.session-secret (line 11): is 5 characters; at least 32 are needed for a 256-bit cookie key",
                "auth.grafana-headers.user (line 13): \"X Bad\" is not a header name",
                "auth.oidc.issuer (line 15): \"ftp://idp\" is not an http or https URL without query or fragment",
                "auth.oidc.client-id (line 15): required",
                "auth.oidc.scopes (line 16): must include openid (without it the provider issues no ID token)",
                "auth.oidc.roles.ops (line 18): \"Superuser\" is not a Grafana role (Viewer, Editor or Admin)",
                "auth.oidc.default-role (line 19): \"Owner\" is not a Grafana role (Viewer, Editor or Admin)",
                "auth.oidc.colour (line 20): unknown key (expected one of: client-id, client-secret, default-role, issuer, redirect-url, role-claim, roles, scopes)");
    }

    @Test
    void oidcWithoutSecretOrSectionAndAnOidcSectionInAnotherModeAreRefused() {
        assertThat(problems(MINIMAL + "auth:\n  mode: oidc\n"))
                .anySatisfy(p -> assertThat(p).startsWith("auth.mode (line 10): is oidc but there is no auth.oidc section"))
                .anySatisfy(p -> assertThat(p).startsWith("auth.session-secret").contains("required with mode oidc"));
        assertThat(problems(MINIMAL + "auth:\n  mode: none\n  oidc:\n    issuer: https://idp\n"))
                .containsExactly("auth.oidc (line 12): is set but auth.mode is not oidc");
        assertThat(problems(MINIMAL + "auth:\n  mode: saml\n"))
                .containsExactly("auth.mode (line 10): \"saml\" is not one of none | trusted-header | oidc");
    }

    @Test
    void thePrintedConfigurationShowsTheAuthSectionWithoutItsSecrets() throws Exception {
        GatewayConfig c = parse(MINIMAL + """
                auth:
                  mode: oidc
                  session-secret: %s
                  oidc:
                    issuer: https://idp.example.com
                    client-id: gw
                    client-secret: s3cret-value
                    role-claim: groups
                    roles:
                      admins: Admin
                """.formatted(SECRET), Map.of());
        String printed = ConfigPrinter.print(c);
        assertThat(printed).contains("auth:\n  mode: oidc\n", "session-secret: <redacted>", "client-secret: <redacted>",
                "issuer: https://idp.example.com", "\"admins\": Admin", "default-role: Viewer");
        assertThat(printed).doesNotContain(SECRET, "s3cret-value");
        assertThat(ConfigPrinter.print(parse(MINIMAL, Map.of()))).doesNotContain("auth:");
    }

    @Test
    void checkWarnsAboutGrafanasWhitelistAndAnIssuerInClear() throws Exception {
        GatewayConfig c = parse(MINIMAL + """
                auth:
                  mode: oidc
                  session-secret: %s
                  oidc:
                    issuer: http://sso.example.com
                    client-id: gw
                """.formatted(SECRET), Map.of());
        assertThat(ConfigWarnings.of(c))
                .anySatisfy(w -> assertThat(w).startsWith("auth.oidc.issuer is plain http://"))
                .anySatisfy(w -> assertThat(w).startsWith("auth.oidc.client-secret is empty"))
                .anySatisfy(w -> assertThat(w).startsWith("auth.mode is oidc: every Grafana needs [auth.proxy] enabled = true"));
        assertThat(ConfigWarnings.of(parse(MINIMAL, Map.of()))).noneMatch(w -> w.startsWith("auth"));
    }
}
