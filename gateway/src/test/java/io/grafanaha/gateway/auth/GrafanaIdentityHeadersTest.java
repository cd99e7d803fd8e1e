package io.grafanaha.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.config.AuthConfig;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What Grafana's auth proxy headers carry, with and without auth.headers-encoded. */
class GrafanaIdentityHeadersTest {
    private static final Identity ZOE = new Identity("zoe", "zoe@example.com", "Zoë Ñandú 山田", "Editor", List.of("ops", "開発"));

    @Test
    void encodedEveryValueGoesQuotedPrintableAndAnyNameCanBeSent() {
        GrafanaIdentityHeaders out = new GrafanaIdentityHeaders(AuthConfig.GrafanaHeaders.DEFAULT, true);
        HttpHeaders headers = new DefaultHttpHeaders();

        out.set(headers, ZOE);

        assertThat(out.sendable(ZOE)).isTrue();
        assertThat(headers.get("X-WEBAUTH-USER")).isEqualTo("zoe");
        assertThat(headers.get("X-WEBAUTH-NAME")).isEqualTo("Zo=C3=AB=20=C3=91and=C3=BA=20=E5=B1=B1=E7=94=B0");
        assertThat(headers.get("X-WEBAUTH-GROUPS")).isEqualTo("ops,=E9=96=8B=E7=99=BA");
    }

    @Test
    void notEncodedAnIdentityWithAnyValueOutsideAsciiCannotBeSent() {
        GrafanaIdentityHeaders out = new GrafanaIdentityHeaders(AuthConfig.GrafanaHeaders.DEFAULT, false);

        assertThat(out.sendable(ZOE)).isFalse();
        assertThat(out.sendable(new Identity("zoe", "", "Zoë", "", List.of()))).as("Latin-1 too").isFalse();
        assertThat(out.sendable(new Identity("zoe", "zoe@example.com", "Zoe N", "Viewer", List.of("ops")))).isTrue();
    }
}
