package io.grafanaha.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import io.grafanaha.gateway.config.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import org.junit.jupiter.api.Test;

class SessionCodecTest {
    private static final Secret SECRET = new Secret("a-session-secret-of-at-least-32-characters");
    private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");

    private static SessionCodec at(Instant instant) {
        return new SessionCodec(SECRET, Clock.fixed(instant, ZoneOffset.UTC));
    }

    private static String session(Duration ttl) {
        return at(NOW).seal(SessionCodec.SESSION, new JWTClaimsSet.Builder().subject("alice")
                .expirationTime(Date.from(NOW.plus(ttl))));
    }

    @Test
    void anotherGatewayWithTheSameSecretOpensTheSession() {
        String cookie = session(Duration.ofHours(8));
        assertThat(at(NOW.plusSeconds(60)).open(SessionCodec.SESSION, cookie)).get()
                .extracting(JWTClaimsSet::getSubject).isEqualTo("alice");
    }

    @Test
    void anExpiredSessionIsRefused() {
        String cookie = session(Duration.ofHours(8));
        assertThat(at(NOW.plus(Duration.ofHours(8))).open(SessionCodec.SESSION, cookie)).isEmpty();
    }

    @Test
    void aSessionSealedWithAnotherSecretOrAlteredOrOfAnotherKindIsRefused() {
        String cookie = session(Duration.ofHours(8));
        SessionCodec other = new SessionCodec(new Secret("another-secret-of-at-least-32-characters!"), Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(other.open(SessionCodec.SESSION, cookie)).isEmpty();
        String[] parts = cookie.split("\\.");
        String alteredTag = parts[0] + "." + parts[1] + "." + parts[2] + "." + parts[3] + "." + (parts[4].startsWith("A") ? "B" : "A")
                + parts[4].substring(1);
        assertThat(at(NOW).open(SessionCodec.SESSION, alteredTag)).isEmpty();
        assertThat(at(NOW).open(SessionCodec.LOGIN, cookie)).as("a session is no sign-in in progress").isEmpty();
        String login = at(NOW).seal(SessionCodec.LOGIN, new JWTClaimsSet.Builder().expirationTime(Date.from(NOW.plusSeconds(600))));
        assertThat(at(NOW).open(SessionCodec.SESSION, login)).as("a sign-in in progress is no session").isEmpty();
    }
}
