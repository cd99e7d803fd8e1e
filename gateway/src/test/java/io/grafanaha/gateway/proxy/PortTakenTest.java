package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.HostPort;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.gateway.testing.TestBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A second gateway started on the port a running one listens on fails to start, naming the address, and the first
 * keeps every connection.
 */
class PortTakenTest {
    private final TestBackend backend = new TestBackend("a");
    private final GatewayConfig config = ConfigFixture.gateway().backend("a", backend.port()).build();
    private ProxyServer first;

    @AfterEach
    void stop() {
        first.shutdown(Duration.ZERO);
        backend.close();
    }

    private static GatewayConfig listeningOn(GatewayConfig c, int port) {
        return new GatewayConfig(new HostPort("127.0.0.1", port), c.admin(), c.mode(), c.backends(), c.health(), c.failback(),
                c.routing(), c.proxy(), c.sync(), c.tls(), c.rateLimits(), c.accessLog(), c.auth(), c.tracing());
    }

    @Test
    void aSecondGatewayOnTheSamePortFailsToStartAndTheFirstKeepsEveryConnection() {
        first = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();
        int port = first.port();
        GatewayConfig samePort = listeningOn(config, port);
        ProxyServer second = new ProxyServer(samePort, ConfigFixture.staticRouter(samePort), new SimpleMeterRegistry());

        assertThatThrownBy(second::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot listen on 127.0.0.1:" + port).hasMessageContaining("already in use");

        for (int i = 0; i < 32; i++) {
            RawHttp.Reply reply = RawHttp.send(port, "GET /echo HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n", 5000);
            assertThat(reply.status()).as("request %d", i).isEqualTo(200);
        }
    }
}
