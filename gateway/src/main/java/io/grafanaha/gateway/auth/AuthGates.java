package io.grafanaha.gateway.auth;

import io.grafanaha.gateway.config.AuthConfig;
import io.grafanaha.gateway.config.GatewayConfig;

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
        return headers.defaults() ? AuthGate.NONE : new AnonymousGate(headers);
    }
}
