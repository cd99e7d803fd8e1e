package io.grafanaha.gateway.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * The keys that name TLS files: {@code tls.*}, {@code backends[].ca-file} and {@code backends[].client-cert-file} /
 * {@code client-key-file}. Their files are read while the
 * configuration loads, so {@code check} names the key and the reason for a file {@code run} could not use.
 */
final class TlsKeys {
    private TlsKeys() {
    }

    /** The listener's certificate and key are read here, so {@code check} refuses a pair {@code run} could not use. */
    static TlsConfig tls(Section t) {
        t.rejectUnknown(Set.of("cert-file", "key-file", "reload-interval", "redirect-listen"));
        String cert = t.required("cert-file").trim();
        String key = t.required("key-file").trim();
        TlsConfig config = new TlsConfig(Path.of(cert), Path.of(key),
                t.positiveDuration("reload-interval", TlsConfig.DEFAULT_RELOAD_INTERVAL),
                t.has("redirect-listen") ? Optional.of(t.parsed("redirect-listen", new HostPort("127.0.0.1", 0), Values::hostPort,
                        "an address (write host:port, e.g. 0.0.0.0:80)")) : Optional.empty());
        if (!cert.isEmpty() && !key.isEmpty()) {
            try {
                PemPair.read(config.certFile(), config.keyFile());
            } catch (PemPair.Unusable e) {
                t.problem(e.certificate() ? "cert-file" : "key-file", e.getMessage());
            }
        }
        return config;
    }

    /** CA certificates an https backend may be signed by; read now so {@code check} refuses a file {@code run} could not use. */
    static Optional<Path> caFile(Section b, URI url) {
        Optional<Path> file = b.text("ca-file").map(String::trim).filter(t -> !t.isEmpty()).map(Path::of);
        if (file.isEmpty()) {
            return file;
        }
        if (url != null && !"https".equals(url.getScheme())) {
            b.problem("ca-file", "is for https backends, but url is " + url.getScheme() + "://");
            return file;
        }
        try {
            PemPair.certificates(file.get());
        } catch (PemPair.Unusable e) {
            b.problem("ca-file", e.getMessage());
        }
        return file;
    }

    /**
     * The certificate and key shown to an https backend that asks for one; both or neither, read now (same checks as
     * the listener's pair) so {@code check} names the key and the reason.
     */
    static Optional<BackendConfig.ClientCert> clientCert(Section b, URI url) {
        Optional<String> cert = b.text("client-cert-file").map(String::trim).filter(t -> !t.isEmpty());
        Optional<String> key = b.text("client-key-file").map(String::trim).filter(t -> !t.isEmpty());
        if (cert.isEmpty() && key.isEmpty()) {
            return Optional.empty();
        }
        if (cert.isEmpty() || key.isEmpty()) {
            String missing = cert.isEmpty() ? "client-cert-file" : "client-key-file";
            String given = cert.isEmpty() ? "client-key-file" : "client-cert-file";
            b.problem(given, "needs " + missing + " too: a client certificate is a certificate file and its key file");
            return Optional.empty();
        }
        BackendConfig.ClientCert pair = new BackendConfig.ClientCert(Path.of(cert.get()), Path.of(key.get()));
        if (url != null && !"https".equals(url.getScheme())) {
            b.problem("client-cert-file", "is for https backends, but url is " + url.getScheme() + "://");
            return Optional.of(pair);
        }
        try {
            PemPair.read(pair.certFile(), pair.keyFile());
        } catch (PemPair.Unusable e) {
            b.problem(e.certificate() ? "client-cert-file" : "client-key-file", e.getMessage());
        }
        return Optional.of(pair);
    }
}
