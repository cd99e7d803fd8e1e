package io.grafanaha.gateway.auth;

import io.grafanaha.gateway.config.AuthConfig;
import io.grafanaha.gateway.config.GatewayConfig;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;

/** The gate for a configuration's {@code auth.mode}. */
public final class AuthGates {
    private AuthGates() {}

    /** The gate for {@code none} or {@code trusted-header}; {@code oidc} needs {@link OidcGate} wired with a clock. */
    public static AuthGate of(GatewayConfig config) {
        AuthConfig auth = config.auth();
        return switch (auth.mode()) {
            case NONE -> stripOnly(new GrafanaIdentityHeaders(auth.grafana()));
            case TRUSTED_HEADER -> new TrustedHeaderGate(auth, config.proxy().trustedProxies());
            case OIDC -> throw new IllegalArgumentException("auth.mode oidc: build an OidcGate");
        };
    }

    /** Mode none: with Grafana's default names HeaderPolicy already strips them, so the gate stays out of the way. */
    private static AuthGate stripOnly(GrafanaIdentityHeaders headers) {
        if (headers.defaults()) {
            return AuthGate.NONE;
        }
        return new AuthGate() {
            @Override
            public boolean active() {
                return true;
            }

            @Override
            public Decision decide(String method, String path, HttpHeaders h, InetSocketAddress peer) {
                return ANONYMOUS;
            }

            @Override
            public void toGrafana(HttpHeaders h, Identity identity) {
                headers.strip(h);
            }
        };
    }
}
