package io.grafanaha.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.config.AuthConfig;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.Secret;
import io.grafanaha.gateway.proxy.ProxyServer;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.gateway.testing.TestBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Grafana's auth proxy may read other header names than X-WEBAUTH-*: client copies of those never pass either. */
class GrafanaHeaderNamesTest {
    private static final AuthConfig.GrafanaHeaders RENAMED = new AuthConfig.GrafanaHeaders("X-Forwarded-User",
            "X-Forwarded-Email", "", "X-Grafana-Role", "");

    @Test
    void withModeNoneClientCopiesOfTheConfiguredNamesAreStripped() {
        AuthConfig none = new AuthConfig(AuthConfig.Mode.NONE, RENAMED, AuthConfig.TrustedHeaders.DEFAULT, Optional.empty(),
                new Secret(""), AuthConfig.DEFAULT_SESSION_TTL);
        try (TestBackend a = new TestBackend("a");
             ProxyServer proxy = start(ConfigFixture.gateway().backend("a", a.port()).auth(none).build())) {
            RawHttp.Reply reply = RawHttp.send(proxy.port(), "GET /echo HTTP/1.1\r\nHost: g\r\n"
                    + "X-Forwarded-User: admin\r\nX-Forwarded-Email: admin@example.com\r\nX-Grafana-Role: Admin\r\n"
                    + "X-Keep: yes\r\nConnection: close\r\n\r\n", 3000);

            assertThat(reply.status()).isEqualTo(200);
            assertThat(a.header("X-Forwarded-User")).isEmpty();
            assertThat(a.header("X-Forwarded-Email")).isEmpty();
            assertThat(a.header("X-Grafana-Role")).isEmpty();
            assertThat(a.header("X-Keep")).containsExactly("yes");
        }
    }

    private static ProxyServer start(GatewayConfig config) {
        return new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();
    }
}
