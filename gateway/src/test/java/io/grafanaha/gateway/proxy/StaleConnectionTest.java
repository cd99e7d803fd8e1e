package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.OneRequestPerConnectionBackend;
import io.grafanaha.gateway.testing.RawHttp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A pooled connection the backend closed while idle must not cost the user an error when retrying is safe. */
class StaleConnectionTest {
    private final OneRequestPerConnectionBackend backend = new OneRequestPerConnectionBackend();
    private ProxyServer proxy;

    @AfterEach
    void stop() throws Exception {
        proxy.shutdown(Duration.ZERO);
        backend.close();
    }

    private ProxyServer start() {
        GatewayConfig config = ConfigFixture.gateway().backend("a", backend.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();
        return proxy;
    }

    @Test
    void safeRequestOnAStalePooledConnectionIsSentAgainOnAFreshOne() {
        start();
        // One client connection, so both requests use the same event loop and thus the same pool.
        RawHttp.Reply replies = RawHttp.send(proxy.port(), "GET /1 HTTP/1.1\r\nHost: g\r\n\r\n"
                + "GET /2 HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n", 3000);

        assertThat(replies.count("HTTP/1.1 200 OK")).isEqualTo(2);
        assertThat(replies.count("fresh")).isEqualTo(2);
        assertThat(backend.connections()).isEqualTo(2);
        // The backend counts an answer after writing it, so the client may read it first.
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.answered() == 2);
    }

    @Test
    void requestWithABodyIsNotReplayed() {
        start();
        RawHttp.Reply replies = RawHttp.send(proxy.port(), "GET /1 HTTP/1.1\r\nHost: g\r\n\r\n"
                + "POST /2 HTTP/1.1\r\nHost: g\r\nContent-Length: 2\r\n\r\nhi", 3000);

        assertThat(replies.count("HTTP/1.1 200 OK")).isEqualTo(1);
        assertThat(replies.count("HTTP/1.1 502")).isEqualTo(1);
        assertThat(backend.answered()).isEqualTo(1);
    }
}
