package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.TimeMeter;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.RateLimitConfig;
import io.grafanaha.gateway.config.TrustedProxies;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RateLimitTest {
    private static final RateLimitConfig.Rate THREE_A_MINUTE = new RateLimitConfig.Rate(3, Duration.ofMinutes(1));
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40000);

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

    /** A gateway behind a trusted proxy on loopback, so each test client is the address it puts in X-Forwarded-For. */
    private ProxyServer proxy(RateLimitConfig limits) {
        grafana = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
        resources.add(0, grafana);
        GatewayConfig config = ConfigFixture.gateway().backend("grafana-a", grafana.port()).trustedProxies("127.0.0.1")
                .rateLimits(limits).build();
        ProxyServer proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), registry).start();
        resources.add(0, proxy);
        return proxy;
    }

    private HttpResponse<String> send(ProxyServer proxy, String method, String path, String client) throws Exception {
        HttpRequest.BodyPublisher body = method.equals("POST")
                ? HttpRequest.BodyPublishers.ofString("{\"user\":\"admin\",\"password\":\"guess\"}")
                : HttpRequest.BodyPublishers.noBody();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path))
                .header("X-Forwarded-For", client)
                .header("Content-Type", "application/json")
                .method(method, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    private double limited(String rule) {
        return registry.get("gateway.rate.limited").tag("rule", rule).counter().count();
    }

    @Test
    void aSignInBurstFromOneAddressGets429sWhileOthersAreServed() throws Exception {
        ProxyServer proxy = proxy(new RateLimitConfig(Optional.of(THREE_A_MINUTE), List.of(), 1000));
        assertThat(limited("login")).as("exported before anything is limited").isZero();

        for (int i = 0; i < 3; i++) {
            assertThat(send(proxy, "POST", "/login", "203.0.113.7").statusCode()).isNotEqualTo(429);
        }
        HttpResponse<String> refused = send(proxy, "POST", "/login", "203.0.113.7");

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body()).startsWith("{\"message\":\"");
        long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 20L); // one token every 20 s
        assertThat(grafana.requestCount("/login")).isEqualTo(3);
        assertThat(send(proxy, "POST", "/login", "203.0.113.8").statusCode()).as("another address").isNotEqualTo(429);
        assertThat(send(proxy, "GET", "/api/health", "203.0.113.7").statusCode()).as("another path").isEqualTo(200);
        assertThat(send(proxy, "GET", "/login", "203.0.113.7").statusCode()).as("the sign-in page itself").isNotEqualTo(429);
        assertThat(limited("login")).isEqualTo(1.0);
    }

    @Test
    void aPathPrefixRuleLimitsOnlyItsPaths() throws Exception {
        ProxyServer proxy = proxy(new RateLimitConfig(Optional.empty(), List.of(new RateLimitConfig.PathRule("/api/search", THREE_A_MINUTE)), 1000));

        for (int i = 0; i < 3; i++) {
            assertThat(send(proxy, "GET", "/api/search?query=x", "198.51.100.1").statusCode()).isNotEqualTo(429);
        }

        assertThat(send(proxy, "GET", "/api/search?query=x", "198.51.100.1").statusCode()).isEqualTo(429);
        assertThat(send(proxy, "GET", "/api/health", "198.51.100.1").statusCode()).isEqualTo(200);
        assertThat(send(proxy, "POST", "/login", "198.51.100.1").statusCode()).as("login off").isNotEqualTo(429);
        assertThat(limited("/api/search")).isEqualTo(1.0);
    }

    @Test
    void retryAfterIsWhenTheNextTokenArrives() {
        ManualTime time = new ManualTime();
        RateLimits limits = new RateLimits(new RateLimitConfig(Optional.of(THREE_A_MINUTE), List.of(), 1000), TrustedProxies.NONE, time,
                registry);
        var login = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/login");

        for (int i = 0; i < 3; i++) {
            assertThat(limits.take(login, "/login", PEER)).isZero();
        }
        long retryAfter = limits.take(login, "/login", PEER);
        assertThat(retryAfter).isEqualTo(20);

        time.advance(retryAfter - 1);
        assertThat(limits.take(login, "/login", PEER)).as("a second early").isEqualTo(1);
        time.advance(1);
        assertThat(limits.take(login, "/login", PEER)).as("on time").isZero();
    }

    @Test
    void aFloodOfAddressesDoesNotGrowTheMapBeyondItsBound() {
        RateLimits limits = new RateLimits(new RateLimitConfig(Optional.of(THREE_A_MINUTE), List.of(), 100), TrustedProxies.NONE,
                new ManualTime(), registry);
        var login = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/login");

        for (int i = 0; i < 10_000; i++) {
            limits.take(login, "/login", new InetSocketAddress("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), 1));
            assertThat(limits.addresses("login")).isLessThanOrEqualTo(100);
        }
    }

    /** Bucket4j's clock, moved by the test. */
    private static final class ManualTime implements TimeMeter {
        private long nanos;

        void advance(long seconds) {
            nanos += TimeUnit.SECONDS.toNanos(seconds);
        }

        @Override
        public long currentTimeNanos() {
            return nanos;
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    }
}
