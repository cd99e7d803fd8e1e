package io.grafanaha.gateway.auth;

import io.grafanaha.gateway.config.AuthConfig;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Writes an {@link Identity} in the headers Grafana's {@code [auth.proxy]} reads ({@code header_name},
 * and {@code headers = Email:… Name:… Role:… Groups:…}), after removing every client copy of them.
 */
final class GrafanaIdentityHeaders {
    private final AuthConfig.GrafanaHeaders names;

    GrafanaIdentityHeaders(AuthConfig.GrafanaHeaders names) {
        this.names = names;
    }

    void strip(HttpHeaders headers) {
        for (String name : names.all()) {
            headers.remove(name);
        }
    }

    void set(HttpHeaders headers, Identity identity) {
        strip(headers);
        if (identity == null) {
            return;
        }
        headers.set(names.user(), identity.user());
        put(headers, names.email(), identity.email());
        put(headers, names.name(), identity.name());
        put(headers, names.role(), identity.role());
        put(headers, names.groups(), String.join(",", identity.groups()));
    }

    private static void put(HttpHeaders headers, String name, String value) {
        if (!name.isEmpty() && !value.isEmpty()) {
            headers.set(name, value);
        }
    }

    /** True when the names are Grafana's defaults, all X-WEBAUTH-*, which HeaderPolicy strips anyway. */
    boolean defaults() {
        return names.equals(AuthConfig.GrafanaHeaders.DEFAULT);
    }
}
