package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.RateLimitConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code rate-limits.max-concurrent-per-address}. */
class ConcurrencyCapTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
    private GrafanaEmulator grafana;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    /** Behind a trusted proxy on loopback, so each test client is the address it puts in X-Forwarded-For. */
    private ProxyServer proxy(int maxConcurrent) {
        grafana = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
        resources.add(0, grafana);
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", grafana.port()).trustedProxies("127.0.0.1")
                .rateLimits(RateLimitConfig.NONE.withMaxConcurrentPerAddress(maxConcurrent)).build();
        ProxyServer proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), registry).start();
        resources.add(0, proxy);
        return proxy;
    }

    private CompletableFuture<HttpResponse<String>> search(ProxyServer proxy, String client) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/api/search"))
                .header("X-Forwarded-For", client)
                .header("Authorization", "Bearer " + grafana.token()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void oneRequestOverTheCapGets429WhileOtherAddressesAreServed() throws Exception {
        ProxyServer proxy = proxy(2);
        assertThat(registry.get("gateway.rate.limited").tag("rule", "concurrency").counter().count())
                .as("exported before anything is limited").isZero();
        grafana.delay(Duration.ofSeconds(2));
        var first = search(proxy, "203.0.113.7");
        var second = search(proxy, "203.0.113.7");
        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.inFlight() == 2);

        HttpResponse<String> third = search(proxy, "203.0.113.7").join();
        var neighbour = search(proxy, "198.51.100.1");

        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(third.body()).startsWith("{\"message\":\"");
        assertThat(first.join().statusCode()).isEqualTo(200);
        assertThat(second.join().statusCode()).isEqualTo(200);
        assertThat(neighbour.join().statusCode()).isEqualTo(200);
        assertThat(registry.get("gateway.rate.limited").tag("rule", "concurrency").counter().count()).isEqualTo(1.0);

        grafana.delay(Duration.ZERO);
        assertThat(search(proxy, "203.0.113.7").join().statusCode()).as("places are given back").isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.inFlight() == 0);
    }

    @Test
    void withoutTheSettingNothingIsCapped() throws Exception {
        ProxyServer proxy = proxy(0);
        grafana.delay(Duration.ofMillis(500));
        List<CompletableFuture<HttpResponse<String>>> many = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            many.add(search(proxy, "203.0.113.7"));
        }
        for (var response : many) {
            assertThat(response.join().statusCode()).isEqualTo(200);
        }
        assertThat(registry.find("gateway.rate.limited").tag("rule", "concurrency").counter()).isNull();
    }
}
