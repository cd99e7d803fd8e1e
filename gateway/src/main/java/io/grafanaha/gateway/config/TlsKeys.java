package io.grafanaha.gateway.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * The keys that name TLS files: {@code tls.*} and {@code backends[].ca-file}. Their files are read while the
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
}
