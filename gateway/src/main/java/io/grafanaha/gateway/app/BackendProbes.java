package io.grafanaha.gateway.app;

import io.grafanaha.gateway.config.BackendConfig;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.PemPair;
import io.grafanaha.gateway.tls.BackendTls;
import io.grafanaha.health.check.CheckResult;
import io.grafanaha.health.check.HttpProbe;
import io.grafanaha.health.check.Probe;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The health checks' probe: finds which backend a check's url belongs to, so a TLS failure names it, and checks a
 * backend with a client certificate through a JDK client of its own that offers only that certificate. Every other
 * backend shares one client (trusting all the backends' {@code ca-file}s). The backends are read on every check, so
 * ones a reload or DNS added are found too; a client per distinct certificate is made on first use and kept.
 */
final class BackendProbes implements Probe {
    private final Duration connectTimeout;
    private final HttpClient shared;
    private final Supplier<List<BackendConfig>> backends;
    private final ConcurrentMap<OwnClient, HttpClient> own = new ConcurrentHashMap<>();

    /** What an own client is made of: two backends (e.g. expanded from one DNS entry) with both equal share it. */
    private record OwnClient(Optional<Path> caFile, BackendConfig.ClientCert cert) {
    }

    /**
     * The probe for {@code config}'s health timeout; the shared client trusts the backends' {@code ca-file}s too when
     * any is set. {@code current} gives the backends as they are now (reloads and DNS change them).
     */
    static BackendProbes create(GatewayConfig config, Supplier<List<BackendConfig>> current) {
        try {
            SSLContext sharedTls = BackendTls.anyCaFile(config.backends())
                    ? BackendTls.httpClientContext(config.backends()) : SSLContext.getDefault();
            Duration timeout = config.health().timeout();
            return new BackendProbes(timeout, HttpProbe.client(timeout, sharedTls), current);
        } catch (PemPair.Unusable e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has a default TLS context", e);
        }
    }

    BackendProbes(Duration connectTimeout, HttpClient shared, Supplier<List<BackendConfig>> backends) {
        this.connectTimeout = connectTimeout;
        this.shared = shared;
        this.backends = backends;
    }

    @Override
    public CompletionStage<CheckResult> check(URI url, Duration timeout) {
        Optional<BackendConfig> backend = owner(url);
        if (backend.isEmpty()) {
            return new HttpProbe(shared).check(url, timeout);
        }
        BackendConfig b = backend.get();
        if (!BackendTls.needsOwnClient(b)) {
            return new HttpProbe(shared, b.name(), false).check(url, timeout);
        }
        HttpClient client;
        try {
            client = ownClient(b);
        } catch (PemPair.Unusable e) {
            // The files were good at start (check read them); a replacement on disk that is not is said here.
            return CompletableFuture.completedFuture(CheckResult.fail(0, Duration.ZERO, e.getMessage()));
        }
        return new HttpProbe(client, b.name(), true).check(url, timeout);
    }

    private HttpClient ownClient(BackendConfig b) throws PemPair.Unusable {
        OwnClient key = new OwnClient(b.caFile(), b.clientCert().orElseThrow());
        HttpClient existing = own.get(key);
        if (existing != null) {
            return existing;
        }
        HttpClient made = HttpProbe.client(connectTimeout, BackendTls.httpClientContext(b));
        HttpClient raced = own.putIfAbsent(key, made);
        return raced != null ? raced : made;
    }

    /** The backend whose url the check's url starts with (scheme, host, port, then the longest path). */
    private Optional<BackendConfig> owner(URI url) {
        return backends.get().stream()
                .filter(b -> sameOrigin(b.url(), url) && path(url).startsWith(path(b.url())))
                .max(Comparator.comparingInt(b -> path(b.url()).length()));
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost()) && a.getPort() == b.getPort();
    }

    private static String path(URI u) {
        return u.getRawPath() == null ? "" : u.getRawPath();
    }
}
