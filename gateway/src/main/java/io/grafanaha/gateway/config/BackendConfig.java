package io.grafanaha.gateway.config;

import io.grafanaha.health.Role;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One Grafana instance behind the gateway. {@code apiToken} is the service-account token the sync uses;
 * {@code caFile} holds CA certificates trusted for an https backend on top of the JDK's trust store;
 * {@code clientCert}, the certificate and key the gateway shows an https backend that asks for one (mTLS). With
 * {@code discovery}, the entry is not one instance but a DNS name that expands to one backend per address
 * ({@code DnsDiscovery} in the gateway's discovery package).
 */
public record BackendConfig(String name, URI url, Role role, Secret apiToken, Optional<Path> caFile,
                            Optional<Discovery> discovery, Optional<ClientCert> clientCert) {

    /** {@code backends[].client-cert-file} (PEM chain) and {@code client-key-file} (unencrypted PKCS#8): always both. */
    public record ClientCert(Path certFile, Path keyFile) {
    }

    public BackendConfig(String name, URI url, Role role, Secret apiToken, Optional<Path> caFile,
                         Optional<Discovery> discovery) {
        this(name, url, role, apiToken, caFile, discovery, Optional.empty());
    }

    public BackendConfig(String name, URI url, Role role, Secret apiToken, Optional<Path> caFile) {
        this(name, url, role, apiToken, caFile, Optional.empty());
    }

    /** A backend whose certificate, if https, is checked against the JDK's trust store alone. */
    public BackendConfig(String name, URI url, Role role, Secret apiToken) {
        this(name, url, role, apiToken, Optional.empty());
    }

    /** The same entry at another name and url, without discovery: one backend an entry with discovery expands to. */
    public BackendConfig expandedTo(String newName, URI newUrl, Role newRole) {
        return new BackendConfig(newName, newUrl, newRole, apiToken, caFile, Optional.empty(), clientCert);
    }
}
