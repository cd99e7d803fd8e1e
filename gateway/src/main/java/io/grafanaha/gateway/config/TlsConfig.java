package io.grafanaha.gateway.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * TLS on the public listener ({@code tls:} section): the certificate chain and the PKCS#8 private key, both PEM, and
 * how often the files are looked at for a replacement. Present only when the section is; without it
 * {@code listen} speaks plain HTTP.
 */
public record TlsConfig(Path certFile, Path keyFile, Duration reloadInterval) {
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(5);
}
