package io.grafanaha.gateway.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A certificate chain and its private key read from PEM files with the JDK alone, so {@code check} and a
 * certificate reload refuse the same things with the same words: no certificate, an expired one, a key that is not
 * PKCS#8 or is encrypted, a key that does not belong to the first certificate.
 *
 * @param digest SHA-256 over both files' bytes: a reload compares it to tell a real change from a touched file
 */
public record PemPair(List<X509Certificate> chain, PrivateKey key, String digest) {
    private static final Pattern KEY_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z ]*)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END \\1PRIVATE KEY-----");

    /** Why a pair cannot be used; {@code certificate} tells whether the certificate file or the key file is at fault. */
    public static final class Unusable extends Exception {
        private final boolean certificate;

        Unusable(boolean certificate, String message) {
            super(message);
            this.certificate = certificate;
        }

        public boolean certificate() {
            return certificate;
        }
    }

    /** A pair refused for a reason found after reading both files (e.g. by the TLS provider). */
    public static Unusable unusable(String message) {
        return new Unusable(true, message);
    }

    public static PemPair read(Path certFile, Path keyFile) throws Unusable {
        byte[] certBytes = bytes(certFile, true);
        byte[] keyBytes = bytes(keyFile, false);
        List<X509Certificate> chain = chain(certFile, certBytes);
        PrivateKey key = key(keyFile, keyBytes, chain.get(0).getPublicKey().getAlgorithm());
        if (!belongTogether(key, chain.get(0))) {
            throw new Unusable(false, keyFile + ": this key does not belong to the first certificate in the certificate file");
        }
        return new PemPair(chain, key, digest(certBytes, keyBytes));
    }

    private static byte[] bytes(Path file, boolean certificate) throws Unusable {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new Unusable(certificate, file + ": no such file");
        } catch (IOException e) {
            throw new Unusable(certificate, file + ": cannot read it: " + e.getMessage());
        }
    }

    /** The certificates of a PEM file (a CA bundle); fails naming the file and why. */
    public static List<X509Certificate> certificates(Path file) throws Unusable {
        byte[] bytes = bytes(file, true);
        try {
            List<X509Certificate> all = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))
                    .stream().map(X509Certificate.class::cast).toList();
            if (all.isEmpty()) {
                throw new Unusable(true, file + ": holds no certificate");
            }
            return all;
        } catch (CertificateException e) {
            throw new Unusable(true, file + ": not a PEM certificate file (" + e.getMessage() + ")");
        }
    }

    private static List<X509Certificate> chain(Path file, byte[] bytes) throws Unusable {
        List<X509Certificate> chain;
        try {
            chain = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes)).stream()
                    .map(X509Certificate.class::cast).toList();
        } catch (CertificateException e) {
            throw new Unusable(true, file + ": not a PEM certificate chain (" + e.getMessage() + ")");
        }
        if (chain.isEmpty()) {
            throw new Unusable(true, file + ": holds no certificate");
        }
        Date notAfter = chain.get(0).getNotAfter();
        if (notAfter.before(new Date())) {
            throw new Unusable(true, file + ": the certificate expired on " + notAfter.toInstant());
        }
        return chain;
    }

    private static PrivateKey key(Path file, byte[] bytes, String algorithm) throws Unusable {
        Matcher m = KEY_BLOCK.matcher(new String(bytes, StandardCharsets.US_ASCII));
        if (!m.find()) {
            throw new Unusable(false, file + ": holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        String kind = m.group(1).trim();
        if (kind.equals("ENCRYPTED")) {
            throw new Unusable(false, file + ": the key is encrypted; give an unencrypted PKCS#8 key "
                    + "(openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)");
        }
        if (!kind.isEmpty()) {
            throw new Unusable(false, file + ": a " + kind + " key is not PKCS#8; convert it with "
                    + "openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(m.group(2).trim());
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new Unusable(false, file + ": not a " + algorithm + " key, which the certificate needs (" + e.getMessage() + ")");
        }
    }

    /** Signs with the key and verifies with the certificate: the one test that works for every key type. */
    private static boolean belongTogether(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null) {
            return true; // no signature to try; the handshake will tell
        }
        try {
            byte[] probe = "grafana-ha-gateway".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(certificate.getPublicKey());
            verify.update(probe);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String digest(byte[] cert, byte[] key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(cert);
            sha.update(key);
            return HexFormat.of().formatHex(sha.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "PemPair[" + chain.get(0).getSubjectX500Principal() + ", " + digest.substring(0, 12) + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PemPair p && p.digest.equals(digest);
    }

    @Override
    public int hashCode() {
        return digest.hashCode();
    }
}
