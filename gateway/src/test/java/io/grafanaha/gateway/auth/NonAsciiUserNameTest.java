package io.grafanaha.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.grafana.AuthProxyOptions;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A user name outside Latin-1 cannot travel in an HTTP header as it is. With {@code auth.headers-encoded: true} and
 * Grafana's {@code [auth.proxy] headers_encoded = true} it goes quoted-printable and arrives intact; with it off the
 * sign-in is refused with a page that says what to set, never sent mangled (which could name another user).
 */
class NonAsciiUserNameTest {
    private static final String NAME = "Zoë Ñandú 山田";
    private Rig rig;
    private Gateway gateway;

    private void start(boolean encoded) {
        rig = Rig.builder().withoutApiTokens()
                .authProxy(AuthProxyOptions.enabledWithDefaultHeaders().whitelist("127.0.0.1").headersEncoded(encoded))
                .settings(Rig.FAST_HEALTH + "proxy:\n  trusted-proxies: [127.0.0.1/32]\n"
                        + "auth:\n  mode: trusted-header\n  headers-encoded: " + encoded + "\n")
                .start();
        gateway = rig.startGateway();
        await().atMost(Duration.ofSeconds(30)).until(() -> rig.active().equals(java.util.Optional.of(Rig.PRIMARY)));
    }

    @AfterEach
    void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    /** What came back: the status and the body (as sent: a chunked one keeps its chunk lines). */
    private record Answer(int status, String body) {}

    /**
     * The authenticating proxy sends the name's UTF-8 bytes, as oauth2-proxy does. Over a plain socket: Java's
     * HttpClient writes header values as US-ASCII, turning every other byte into '?'.
     */
    private Answer asTheUser() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(10_000);
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.write(("GET /api/user HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    + "X-Auth-Request-User: ").getBytes(StandardCharsets.US_ASCII));
            request.write(NAME.getBytes(StandardCharsets.UTF_8));
            request.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(request.toByteArray());
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(response.substring(9, 12));
            return new Answer(status, response.substring(response.indexOf("\r\n\r\n") + 4));
        }
    }

    @Test
    void withHeadersEncodedANonLatin1NameArrivesIntactAtGrafana() throws Exception {
        start(true);

        Answer res = asTheUser();

        assertThat(res.status()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).contains("\"login\":\"" + NAME + "\"");
        assertThat(rig.a().user(NAME)).isPresent();
    }

    @Test
    void withoutHeadersEncodedTheSignInIsRefusedWithAPageNamingTheKeyAndNothingReachesGrafana() throws Exception {
        start(false);
        long before = rig.a().requestCount("/api/user");

        Answer res = asTheUser();

        assertThat(res.status()).isEqualTo(403);
        assertThat(res.body()).contains("auth.headers-encoded: true", "headers_encoded = true");
        assertThat(rig.a().requestCount("/api/user")).isEqualTo(before);
        assertThat(rig.a().users()).noneMatch(u -> u.login().startsWith("Zo"));
    }
}
