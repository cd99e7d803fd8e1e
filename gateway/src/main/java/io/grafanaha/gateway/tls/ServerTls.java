package io.grafanaha.gateway.tls;

import io.grafanaha.gateway.config.PemPair;
import io.grafanaha.gateway.config.TlsConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public listener's TLS: TLS 1.2 and 1.3 with Mozilla's "intermediate" cipher list, ALPN offering h2 (when
 * HTTP/2 is on) and http/1.1, a session cache and (with BoringSSL) session tickets for resumption. The certificate and key are watched: {@link #reloadIfChanged()} (run every
 * {@code tls.reload-interval} by {@link #watch}) builds a new context when the files' content changed, and every
 * handshake after that uses it; connections already open keep the one they shook hands with, and the replaced
 * context's native memory is freed when the last of them closes. A new pair that
 * cannot be used is logged and the old one stays.
 *
 * {@link #reloadNow()} looks at once (SIGHUP, {@code POST /api/reload}).
 *
 * <p>Runs BoringSSL (netty-tcnative) when its native library loads on this platform, the JDK's provider otherwise;
 * the start-up log line says which.
 */
public final class ServerTls {
    /**
     * Mozilla's "intermediate" configuration (https://ssl-config.mozilla.org/, guidelines 5.7): the TLS 1.3 suites,
     * then the TLS 1.2 ones in Mozilla's order, in IANA names. Suites the JDK lacks are skipped.
     */
    public static final List<String> INTERMEDIATE_CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    private static final int SESSION_CACHE_SIZE = 20_000;
    private static final long SESSION_TIMEOUT_SECONDS = 24 * 3600;

    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

    private final TlsConfig config;
    private final SslProvider provider;
    private final List<String> alpn;
    /** Written by the reload task, read by every accepting event loop. */
    private volatile Loaded current;
    /** The gateway stopped: its own reference to the contexts is gone and no reload builds new ones. */
    private boolean closed;
    /** The files' modification times and sizes at the last look: only the reload task touches it. */
    private FileStamp seen;

    /** {@code http1}: the same certificate offering http/1.1 only, for the admin listener. */
    private record Loaded(PemPair pair, SslContext context, SslContext http1) {
        /**
         * Gives up this pair's own reference to its contexts. Each engine holds one more, so connections open on
         * them keep working, and the native context goes with their last engine.
         */
        void release() {
            ReferenceCountUtil.release(context);
            if (http1 != context) {
                ReferenceCountUtil.release(http1);
            }
        }
    }

    private record FileStamp(Instant certModified, long certSize, Instant keyModified, long keySize) {
    }

    private ServerTls(TlsConfig config, SslProvider provider, List<String> alpn, Loaded loaded, FileStamp stamp) {
        this.config = config;
        this.provider = provider;
        this.alpn = alpn;
        this.current = loaded;
        this.seen = stamp;
    }

    /**
     * BoringSSL when netty-tcnative's native library loads here, the JDK's provider otherwise. The reference-counted
     * flavour: an engine's native memory is freed when its {@link SslHandler} is removed (the connection closed), and
     * a replaced context's when its last engine goes, instead of whenever a finalizer gets round to it.
     */
    public static SslProvider bestProvider() {
        return SslProvider.isAlpnSupported(SslProvider.OPENSSL_REFCNT) ? SslProvider.OPENSSL_REFCNT : SslProvider.JDK;
    }

    /** ALPN's list: h2 first when HTTP/2 is on, so browsers pick it; http/1.1 always (WebSockets, older clients). */
    public static List<String> alpn(boolean http2) {
        return http2 ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
                : List.of(ApplicationProtocolNames.HTTP_1_1);
    }

    /** Reads the pair with the best provider and HTTP/1.1 only; fails with the file at fault and why. */
    public static ServerTls load(TlsConfig config) throws PemPair.Unusable {
        return load(config, bestProvider(), alpn(false));
    }

    /** Reads the pair for {@code provider}, offering {@code alpn}; fails with the file at fault and why. */
    public static ServerTls load(TlsConfig config, SslProvider provider, List<String> alpn) throws PemPair.Unusable {
        FileStamp stamp = stamp(config);
        ServerTls tls = new ServerTls(config, provider, List.copyOf(alpn),
                build(PemPair.read(config.certFile(), config.keyFile()), provider, alpn), stamp);
        log.info("TLS: {} ({} provider, {}, ALPN {})", describe(tls.current.pair()), providerName(provider), PROTOCOLS, alpn);
        return tls;
    }

    /** As {@link #load}, for a pair {@code check} already accepted: a failure now (a file changed since) stops the start. */
    public static ServerTls forListen(TlsConfig config, boolean http2) {
        try {
            return load(config, bestProvider(), alpn(http2));
        } catch (PemPair.Unusable e) {
            throw new IllegalStateException("tls: " + e.getMessage(), e);
        }
    }

    /** "BoringSSL" or "JDK", for logs and the ops page. */
    public String providerName() {
        return providerName(provider);
    }

    private static String providerName(SslProvider provider) {
        return provider == SslProvider.JDK ? "JDK" : "BoringSSL (netty-tcnative)";
    }

    /** A handler for a new client connection, with the context current now. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        return newHandler(alloc, Loaded::context);
    }

    /** A handler offering http/1.1 only (the admin listener), with the certificate current now. */
    public SslHandler newHttp1Handler(ByteBufAllocator alloc) {
        return newHandler(alloc, Loaded::http1);
    }

    /**
     * An event loop can read {@link #current} just before a reload releases it: holding a reference while the engine
     * is made keeps the context alive, and a context already freed means the reload is done, so the new one is used.
     */
    private SslHandler newHandler(ByteBufAllocator alloc, Function<Loaded, SslContext> which) {
        while (true) {
            Loaded loaded = current;
            SslContext context = which.apply(loaded);
            try {
                ReferenceCountUtil.retain(context);
            } catch (IllegalReferenceCountException released) {
                if (loaded == current) {
                    throw released;
                }
                continue;
            }
            try {
                return context.newHandler(alloc);
            } finally {
                ReferenceCountUtil.release(context);
            }
        }
    }

    /** The context new connections shake hands with now (tests watch its reference count). */
    SslContext currentContext() {
        return current.context();
    }

    /**
     * The gateway stopped: its own reference to the current contexts goes, so their native memory is freed with the
     * last connection still open on them (each engine holds a reference of its own).
     */
    public synchronized void close() {
        if (!closed) {
            closed = true;
            current.release();
        }
    }

    /** Looks at the files every {@code tls.reload-interval} on {@code scheduler}; cancel the returned future to stop. */
    public ScheduledFuture<?> watch(ScheduledExecutorService scheduler) {
        long every = config.reloadInterval().toMillis();
        return scheduler.scheduleWithFixedDelay(this::reloadQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    private void reloadQuietly() {
        try {
            reloadIfChanged();
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again; reloading must outlive one bad look.
            log.warn("TLS certificate reload failed; keeping the current certificate", e);
        }
    }

    /**
     * Reads the files now, whatever their time and size say (SIGHUP, {@code POST /api/reload}): a changed, usable
     * pair is used for new handshakes; an unusable one is logged and the current one stays.
     *
     * @return true if new handshakes now use a new certificate
     */
    public synchronized boolean reloadNow() {
        seen = null;
        return reloadIfChanged();
    }

    /**
     * Builds a new context if the files changed since the last look (modification time or size first, then
     * content).
     *
     * @return true if new handshakes now use a new certificate
     */
    public synchronized boolean reloadIfChanged() {
        if (closed) {
            return false;
        }
        FileStamp stamp = stamp(config);
        if (stamp.equals(seen)) {
            return false;
        }
        seen = stamp;
        PemPair pair;
        try {
            pair = PemPair.read(config.certFile(), config.keyFile());
        } catch (PemPair.Unusable e) {
            log.warn("TLS certificate not reloaded, keeping {}: {} ({})", describe(current.pair()), e.getMessage(),
                    e.certificate() ? "tls.cert-file" : "tls.key-file");
            return false;
        }
        if (pair.equals(current.pair())) {
            return false;
        }
        Loaded replaced = current;
        try {
            current = build(pair, provider, alpn);
        } catch (PemPair.Unusable e) {
            log.warn("TLS certificate not reloaded, keeping {}: {}", describe(current.pair()), e.getMessage());
            return false;
        }
        replaced.release();
        log.info("TLS certificate reloaded: new handshakes use {}", describe(pair));
        return true;
    }

    private static Loaded build(PemPair pair, SslProvider provider, List<String> alpn) throws PemPair.Unusable {
        SslContext context = context(pair, provider, alpn);
        List<String> http1 = alpn(false);
        if (alpn.equals(http1)) {
            return new Loaded(pair, context, context);
        }
        try {
            return new Loaded(pair, context, context(pair, provider, http1));
        } catch (PemPair.Unusable | RuntimeException e) {
            ReferenceCountUtil.release(context);
            throw e;
        }
    }

    private static SslContext context(PemPair pair, SslProvider provider, List<String> alpn) throws PemPair.Unusable {
        try {
            SslContext context = SslContextBuilder.forServer(pair.key(), pair.chain().toArray(X509Certificate[]::new))
                    .sslProvider(provider)
                    .protocols(PROTOCOLS)
                    .ciphers(INTERMEDIATE_CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            alpn))
                    .sessionCacheSize(SESSION_CACHE_SIZE)
                    .sessionTimeout(SESSION_TIMEOUT_SECONDS)
                    .build();
            if (context.sessionContext() instanceof OpenSslSessionContext sessions) {
                // Netty leaves BoringSSL's tickets off until keys are set. A new key with each certificate: a ticket
                // issued before a reload would resume a session of the old certificate, after a key compromise too.
                sessions.setTicketKeys(ticketKey());
            }
            return context;
        } catch (SSLException | IllegalArgumentException e) {
            throw PemPair.unusable("the TLS provider refused the certificate and key: " + e.getMessage());
        }
    }

    private static OpenSslSessionTicketKey ticketKey() {
        SecureRandom random = new SecureRandom();
        byte[] name = new byte[OpenSslSessionTicketKey.NAME_SIZE];
        byte[] hmac = new byte[OpenSslSessionTicketKey.HMAC_KEY_SIZE];
        byte[] aes = new byte[OpenSslSessionTicketKey.AES_KEY_SIZE];
        random.nextBytes(name);
        random.nextBytes(hmac);
        random.nextBytes(aes);
        return new OpenSslSessionTicketKey(name, hmac, aes);
    }

    private static FileStamp stamp(TlsConfig config) {
        return new FileStamp(modified(config.certFile()), size(config.certFile()), modified(config.keyFile()), size(config.keyFile()));
    }

    private static Instant modified(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).lastModifiedTime().toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    private static String describe(PemPair pair) {
        X509Certificate leaf = pair.chain().get(0);
        return "\"" + leaf.getSubjectX500Principal().getName() + "\" valid until " + leaf.getNotAfter().toInstant();
    }
}
