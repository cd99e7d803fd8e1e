package io.grafanaha.gateway.config;

/**
 * The ops listener; without a token every state-changing admin call is refused. {@code tls}: serve it over TLS with
 * the {@code tls:} section's certificate (HTTP/1.1 only).
 */
public record AdminConfig(HostPort listen, Secret token, boolean tls) {
    /** Plain HTTP. */
    public AdminConfig(HostPort listen, Secret token) {
        this(listen, token, false);
    }
}
