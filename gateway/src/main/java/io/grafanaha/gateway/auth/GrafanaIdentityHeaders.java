package io.grafanaha.gateway.auth;

import io.grafanaha.gateway.config.AuthConfig;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Writes an {@link Identity} in the headers Grafana's {@code [auth.proxy]} reads ({@code header_name},
 * and {@code headers = Email:… Name:… Role:… Groups:…}), after removing every client copy of them;
 * quoted-printable when {@code auth.headers-encoded} is on ({@link HeaderText}).
 */
final class GrafanaIdentityHeaders {
    private final AuthConfig.GrafanaHeaders names;
    private final boolean encoded;

    GrafanaIdentityHeaders(AuthConfig.GrafanaHeaders names) {
        this(names, false);
    }

    GrafanaIdentityHeaders(AuthConfig.GrafanaHeaders names, boolean encoded) {
        this.names = names;
        this.encoded = encoded;
    }

    /** Whether every value of {@code identity} can reach Grafana intact: always when encoded, else when ASCII. */
    boolean sendable(Identity identity) {
        return encoded || HeaderText.ascii(identity.user()) && HeaderText.ascii(identity.email())
                && HeaderText.ascii(identity.name()) && HeaderText.ascii(identity.role())
                && identity.groups().stream().allMatch(HeaderText::ascii);
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
        headers.set(names.user(), text(identity.user()));
        put(headers, names.email(), identity.email());
        put(headers, names.name(), identity.name());
        put(headers, names.role(), identity.role());
        put(headers, names.groups(), String.join(",", identity.groups()));
    }

    private void put(HttpHeaders headers, String name, String value) {
        if (!name.isEmpty() && !value.isEmpty()) {
            headers.set(name, text(value));
        }
    }

    private String text(String value) {
        return encoded ? HeaderText.quotedPrintable(value) : value;
    }

    /** True when the names are Grafana's defaults, all X-WEBAUTH-*, which HeaderPolicy strips anyway. */
    boolean defaults() {
        return names.equals(AuthConfig.GrafanaHeaders.DEFAULT);
    }
}
