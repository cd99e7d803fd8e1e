package io.grafanaha.gateway.auth;

import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.grafana.AuthProxyOptions;
import io.grafanaha.testkit.oidc.OidcIssuer;
import java.util.Map;

/** A rig whose gateway signs people in at {@code idp} ({@code auth.mode: oidc}) and whose emulators trust it as their auth proxy. */
final class OidcRigs {
    static final String SESSION_SECRET = "a-session-secret-of-at-least-32-characters";

    private OidcRigs() {
    }

    /**
     * {@code builder} with both emulators' auth proxy trusting loopback and the gateway's {@code auth:} section, after
     * fast health checks; {@code roles} is YAML under {@code oidc:} (e.g. the role claim and its mapping), or empty.
     */
    static Rig.Builder signingInAt(Rig.Builder builder, OidcIssuer idp, String roles) {
        return builder.authProxy(AuthProxyOptions.enabledWithDefaultHeaders().whitelist("127.0.0.1"))
                .environment(Map.of("SESSION_SECRET", SESSION_SECRET))
                .settings(Rig.FAST_HEALTH + """
                        auth:
                          mode: oidc
                          session-secret: ${SESSION_SECRET}
                          oidc:
                            issuer: %s
                            client-id: grafana-gateway
                            client-secret: client-secret
                        """.formatted(idp.issuer()) + roles.indent(4));
    }
}
