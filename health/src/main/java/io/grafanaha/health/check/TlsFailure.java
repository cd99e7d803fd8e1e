package io.grafanaha.health.check;

import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * Why a TLS connection to a backend failed, in an operator's words: the JDK's messages ("PKIX path building failed",
 * "Received fatal alert: certificate_required") say what broke but not what to change. Shared by the health checks
 * and the proxy, so {@code /api/status} and the proxy's log and 502 give the same reason.
 */
public final class TlsFailure {
    private TlsFailure() {
    }

    /**
     * The reason, followed by the JDK's own message in parentheses; empty if {@code error} (or a cause) is no TLS
     * failure. {@code offeredCertificate}: whether the client had a certificate to offer, which tells "requires one"
     * from "refused ours" (servers send either alert for both).
     */
    public static Optional<String> describe(Throwable error, boolean offeredCertificate) {
        SSLException tls = null;
        boolean expired = false;
        StringBuilder messages = new StringBuilder();
        for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SSLException e && tls == null) {
                tls = e;
            }
            expired |= t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException;
            messages.append(' ').append(t.getMessage());
        }
        if (tls == null) {
            return Optional.empty();
        }
        return Optional.of(reason(messages.toString().toLowerCase(Locale.ROOT), expired, offeredCertificate) + " (" + tls.getMessage() + ")");
    }

    private static String reason(String all, boolean expired, boolean offeredCertificate) {
        // The server's alerts about the client's certificate: Go sends certificate_required, the JDK bad_certificate.
        if (all.contains("alert: certificate_required") || all.contains("alert: bad_certificate")
                || all.contains("alert: certificate_unknown") || all.contains("alert: unknown_ca")) {
            return offeredCertificate
                    ? "the backend refused the client certificate (not signed by a CA it trusts, expired, or not for client use)"
                    : "the backend requires a client certificate (set client-cert-file and client-key-file)";
        }
        if (expired || all.contains("validity check failed")) {
            return "the backend's certificate has expired or is not yet valid";
        }
        if (all.contains("no subject alternative") || all.contains("no name matching")) {
            return "the backend's certificate does not name the host of its url";
        }
        if (all.contains("pkix path building failed") || all.contains("unable to find valid certification path")) {
            return "the backend's certificate is not trusted (not signed by the JDK's trust store or the backend's ca-file)";
        }
        return "TLS handshake failed";
    }
}
