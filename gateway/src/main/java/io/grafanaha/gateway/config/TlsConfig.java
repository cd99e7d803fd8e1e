package io.grafanaha.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * TLS on the public listener ({@code tls:} section): the certificate chain and the PKCS#8 private key, both PEM, and
 * how often the files are looked at for a replacement. Present only when the section is; without it
 * {@code listen} speaks plain HTTP. {@code redirectListen} is an optional plain listener that answers every request
 * with a redirect to the https one.
 */
public record TlsConfig(Path certFile, Path keyFile, Duration reloadInterval, Optional<HostPort> redirectListen) {
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(5);

    /** Without {@code tls.redirect-listen}. */
    public TlsConfig(Path certFile, Path keyFile, Duration reloadInterval) {
        this(certFile, keyFile, reloadInterval, Optional.empty());
    }
}
