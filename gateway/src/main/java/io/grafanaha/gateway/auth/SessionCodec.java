package io.grafanaha.gateway.auth;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.crypto.DirectDecrypter;
import com.nimbusds.jose.crypto.DirectEncrypter;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWTClaimsSet;
import io.grafanaha.gateway.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.Optional;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals claims into a compact JWE (direct key, A256GCM: encrypted and authenticated) and opens them
 * again. The key is the SHA-256 of {@code auth.session-secret}, so every gateway configured with the
 * same secret opens every other's cookies: no shared store. {@code typ} keeps the two cookie kinds
 * (session, sign-in in progress) from standing in for each other; {@code exp} is checked on the
 * injected clock.
 */
final class SessionCodec {
    static final String SESSION = "session";
    static final String LOGIN = "login";
    private static final String TYPE = "typ";

    private final DirectEncrypter encrypter;
    private final DirectDecrypter decrypter;
    private final Clock clock;

    SessionCodec(Secret secret, Clock clock) {
        this.clock = clock;
        SecretKey key = new SecretKeySpec(sha256(secret.reveal()), "AES");
        try {
            this.encrypter = new DirectEncrypter(key);
            this.decrypter = new DirectDecrypter(key);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("session key: " + e.getMessage(), e);
        }
    }

    String seal(String type, JWTClaimsSet.Builder claims) {
        EncryptedJWT jwt = new EncryptedJWT(new JWEHeader(JWEAlgorithm.DIR, EncryptionMethod.A256GCM),
                claims.claim(TYPE, type).build());
        try {
            jwt.encrypt(encrypter);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot seal a session: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }

    /** The claims, or empty when the value was not sealed with this key, was altered, is of another type or expired. */
    Optional<JWTClaimsSet> open(String type, String value) {
        try {
            EncryptedJWT jwt = EncryptedJWT.parse(value);
            if (!JWEAlgorithm.DIR.equals(jwt.getHeader().getAlgorithm())
                    || !EncryptionMethod.A256GCM.equals(jwt.getHeader().getEncryptionMethod())) {
                return Optional.empty();
            }
            jwt.decrypt(decrypter);
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date exp = claims.getExpirationTime();
            if (!type.equals(claims.getStringClaim(TYPE)) || exp == null || !exp.toInstant().isAfter(clock.instant())) {
                return Optional.empty();
            }
            return Optional.of(claims);
        } catch (ParseException | JOSEException | RuntimeException e) {
            // Anything a client could put in a cookie that is not our sealed value is simply no session.
            return Optional.empty();
        }
    }

    private static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
