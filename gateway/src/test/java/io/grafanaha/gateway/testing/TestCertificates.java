package io.grafanaha.gateway.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed certificates for 127.0.0.1 and localhost, made at test time with {@code openssl} (no private key is
 * committed), and a client {@link SSLContext} that trusts exactly the ones given.
 */
public final class TestCertificates {
    private TestCertificates() {
    }

    /** A certificate file and its PKCS#8 key file. */
    public record Pair(Path certFile, Path keyFile) {
        public X509Certificate certificate() {
            try {
                return (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certFile)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A new EC P-256 key and a self-signed certificate with common name {@code cn}, written under {@code dir}. */
    public static Pair create(Path dir, String cn) {
        return create(dir, cn, "IP:127.0.0.1,DNS:localhost");
    }

    /** As {@link #create(Path, String)}, valid for the names of {@code subjectAltName} only (e.g. {@code DNS:grafana.example}). */
    public static Pair create(Path dir, String cn, String subjectAltName) {
        Path cert = dir.resolve(cn + ".crt");
        Path key = dir.resolve(cn + ".key");
        run(dir, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=" + cn,
                "-addext", "subjectAltName=" + subjectAltName);
        return new Pair(cert, key);
    }

    /** A client TLS context trusting these certificates only. */
    public static SSLContext trusting(Pair... pairs) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < pairs.length; i++) {
                store.setCertificateEntry("test-" + i, pairs[i].certificate());
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command in {@code dir}; its output (for a failure's message) and exit code. */
    public static Result run(Path dir, String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish");
            }
            if (command[1].equals("req") && p.exitValue() != 0) {
                throw new IllegalStateException("openssl failed: " + out);
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public record Result(int exitCode, String output) {
    }
}
