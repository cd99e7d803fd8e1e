package io.grafanaha.gateway.tls;

import io.grafanaha.gateway.config.BackendConfig;
import io.grafanaha.gateway.config.PemPair;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS toward https backends: the backend's certificate must chain to the JDK's trust store or to its
 * {@code backends[].ca-file}, and must name the host of its URL (hostname verification; SNI carries that host).
 * The proxy's connections use {@link #proxyContext}; the health checks and the sync's client, which run on the
 * JDK's HttpClient, use {@link #httpClientContext} with the same trust. A backend with
 * {@code client-cert-file}/{@code client-key-file} gets a context that offers that certificate (mTLS); it is never
 * offered to another backend, which is why such a backend gets a client of its own ({@link #needsOwnClient}).
 */
public final class BackendTls {
    private BackendTls() {
    }

    /**
     * The proxy's TLS toward one https backend; {@code clientCertificate}: it offers one, so a refusal by the backend
     * means that certificate was refused rather than missing.
     */
    public record ProxyTls(SslContext context, boolean clientCertificate) {
    }

    /** The proxy's client context of each https backend, by name; an http backend has none. */
    public static Map<String, ProxyTls> proxyContexts(List<BackendConfig> backends) {
        Map<String, ProxyTls> contexts = new HashMap<>();
        for (BackendConfig backend : backends) {
            if ("https".equalsIgnoreCase(backend.url().getScheme())) {
                try {
                    contexts.put(backend.name(), new ProxyTls(proxyContext(backend), backend.clientCert().isPresent()));
                } catch (PemPair.Unusable e) {
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
            }
        }
        return contexts;
    }

    /** The Netty client context for one https backend. */
    public static SslContext proxyContext(BackendConfig backend) throws PemPair.Unusable {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .protocols(ServerTls.PROTOCOLS)
                    .trustManager(trust(backend.caFile().stream().toList()))
                    .endpointIdentificationAlgorithm("HTTPS");
            if (backend.clientCert().isPresent()) {
                PemPair pair = clientPair(backend);
                builder.keyManager(pair.key(), pair.chain().toArray(X509Certificate[]::new));
            }
            return builder.build();
        } catch (SSLException e) {
            throw PemPair.unusable("backends " + backend.name() + ": cannot build TLS: " + e.getMessage());
        }
    }

    /**
     * A JDK context trusting the JDK's trust store and every given backend's {@code ca-file}: one for a
     * client that talks to several backends (the health checks), or to one.
     */
    public static SSLContext httpClientContext(Collection<BackendConfig> backends) throws PemPair.Unusable {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust(backends.stream().flatMap(b -> b.caFile().stream()).toList()).getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw PemPair.unusable("cannot build TLS for the backends: " + e.getMessage());
        }
    }

    /** A JDK context for one backend: its trust, and its client certificate if it has one. */
    public static SSLContext httpClientContext(BackendConfig backend) throws PemPair.Unusable {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers(backend), trust(backend.caFile().stream().toList()).getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw PemPair.unusable("backends " + backend.name() + ": cannot build TLS: " + e.getMessage());
        }
    }

    /**
     * Whether the backend needs a JDK client of its own: one with a client certificate. A shared key store with one
     * entry per backend would let JSSE pick by the issuers the server accepts, which offers the wrong backend's
     * certificate when two backends accept the same CA (or a server names no issuers); a client per backend cannot.
     */
    public static boolean needsOwnClient(BackendConfig backend) {
        return backend.clientCert().isPresent();
    }

    private static KeyManager[] keyManagers(BackendConfig backend) throws PemPair.Unusable, GeneralSecurityException {
        if (backend.clientCert().isEmpty()) {
            return null;
        }
        PemPair pair = clientPair(backend);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        store.setKeyEntry("client", pair.key(), new char[0], pair.chain().toArray(X509Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, new char[0]);
        return kmf.getKeyManagers();
    }

    private static PemPair clientPair(BackendConfig backend) throws PemPair.Unusable {
        BackendConfig.ClientCert files = backend.clientCert().orElseThrow();
        try {
            return PemPair.read(files.certFile(), files.keyFile());
        } catch (PemPair.Unusable e) {
            throw PemPair.unusable("backends " + backend.name() + ": client certificate: " + e.getMessage());
        }
    }

    /** Whether any backend needs its own CA: otherwise the JDK's defaults already do. */
    public static boolean anyCaFile(Collection<BackendConfig> backends) {
        return backends.stream().anyMatch(b -> b.caFile().isPresent());
    }

    /** The JDK's trusted CAs plus those of {@code caFiles}, so a ca-file adds trust and never takes the public CAs away. */
    private static TrustManagerFactory trust(List<Path> caFiles) throws PemPair.Unusable {
        try {
            TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jdk.init((KeyStore) null);
            if (caFiles.isEmpty()) {
                return jdk;
            }
            List<X509Certificate> anchors = new ArrayList<>();
            for (var tm : jdk.getTrustManagers()) {
                if (tm instanceof X509TrustManager x509) {
                    anchors.addAll(List.of(x509.getAcceptedIssuers()));
                }
            }
            for (Path file : caFiles) {
                anchors.addAll(PemPair.certificates(file));
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < anchors.size(); i++) {
                store.setCertificateEntry("ca-" + i, anchors.get(i));
            }
            TrustManagerFactory combined = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            combined.init(store);
            return combined;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw PemPair.unusable("cannot build the backends' trust store: " + e.getMessage());
        }
    }
}
