package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.ProxyConfig;
import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawBackend;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.gateway.testing.TestBackend;
import io.grafanaha.health.Backend;
import io.grafanaha.health.Outcome;
import io.grafanaha.health.Router;
import io.grafanaha.health.RoutingMode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ProxyForwardingTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(0, resource);
        return resource;
    }

    private ProxyServer proxy(GatewayConfig config) {
        return proxy(config, ConfigFixture.staticRouter(config));
    }

    private ProxyServer proxy(GatewayConfig config, Router router) {
        return track(new ProxyServer(config, router, new SimpleMeterRegistry()).start());
    }

    private HttpResponse<String> get(ProxyServer proxy, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void forwardsToThePrimaryAndReusesOneBackendConnection() throws Exception {
        TestBackend a = track(new TestBackend("a"));
        TestBackend b = track(new TestBackend("b"));
        ProxyServer proxy = proxy(ConfigFixture.gateway().backend("a", a.port()).backend("b", b.port()).build());

        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = get(proxy, "/echo");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("name=a");
        }
        assertThat(a.hits("/echo")).isEqualTo(5);
        assertThat(b.totalHits()).isZero();
        assertThat(proxy.openBackendConnections()).isEqualTo(1);
    }

    @Test
    void loadBalanceTakesTurnsOverBackends() throws Exception {
        TestBackend a = track(new TestBackend("a"));
        TestBackend b = track(new TestBackend("b"));
        ProxyServer proxy = proxy(ConfigFixture.gateway().mode(RoutingMode.LOAD_BALANCE).backend("a", a.port()).backend("b", b.port()).build());

        for (int i = 0; i < 4; i++) {
            get(proxy, "/echo");
        }
        assertThat(a.hits("/echo")).isEqualTo(2);
        assertThat(b.hits("/echo")).isEqualTo(2);
    }

    @Test
    void stickyCookieKeepsAClientOnItsBackend() throws Exception {
        TestBackend a = track(new TestBackend("a"));
        TestBackend b = track(new TestBackend("b"));
        ProxyServer proxy = proxy(ConfigFixture.gateway().mode(RoutingMode.LOAD_BALANCE).stickyCookie("grafana_backend")
                .backend("a", a.port()).backend("b", b.port()).build());
        for (int i = 0; i < 4; i++) {
            http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/echo"))
                    .header("Cookie", "grafana_session=x; grafana_backend=b").build(), HttpResponse.BodyHandlers.ofString());
        }
        assertThat(b.hits("/echo")).isEqualTo(4);
    }

    @Test
    void hostAndOriginPassUnchangedAndTheClientAddressIsTheGatewaysOwnWord() {
        TestBackend a = track(new TestBackend("a"));
        ProxyServer proxy = proxy(ConfigFixture.gateway().backend("a", a.port()).build());

        RawHttp.Reply reply = RawHttp.send(proxy.port(), SPOOFED, 3000);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(a.header("Host")).containsExactly("grafana.example.com:3000");
        assertThat(a.header("Origin")).containsExactly("https://grafana.example.com");
        assertThat(a.header("X-real-ip")).as("Grafana's first choice of client address").containsExactly("127.0.0.1");
        assertThat(a.header("X-forwarded-for")).containsExactly("127.0.0.1");
        assertThat(a.header("X-forwarded-proto")).containsExactly("http");
        assertThat(a.header("X-forwarded-host")).containsExactly("grafana.example.com:3000");
    }

    @Test
    void behindATrustedProxyItsForwardedHeadersAreKept() {
        TestBackend a = track(new TestBackend("a"));
        ProxyServer proxy = proxy(ConfigFixture.gateway().trustedProxies("127.0.0.0/8").backend("a", a.port()).build());

        RawHttp.Reply reply = RawHttp.send(proxy.port(), SPOOFED, 3000);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(a.header("X-real-ip")).containsExactly("203.0.113.9");
        assertThat(a.header("X-forwarded-for")).containsExactly("203.0.113.9, 127.0.0.1");
        assertThat(a.header("X-forwarded-proto")).containsExactly("https");
    }

    @Test
    void aClientCannotSignInToGrafanasAuthProxyByNamingAUser() {
        TestBackend a = track(new TestBackend("a"));
        ProxyServer proxy = proxy(ConfigFixture.gateway().backend("a", a.port()).build());

        RawHttp.Reply reply = RawHttp.send(proxy.port(), "GET /echo HTTP/1.1\r\nHost: g\r\n"
                + "X-WEBAUTH-USER: admin\r\nx-webauth-role: Admin\r\nX-Webauth-Email: admin@example.com\r\n"
                + "Connection: close\r\n\r\n", 3000);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(a.header("X-webauth-user")).isEmpty();
        assertThat(a.header("X-webauth-role")).isEmpty();
        assertThat(a.header("X-webauth-email")).isEmpty();
    }

    /** What a client (or a proxy in front) says about the client's address. */
    private static final String SPOOFED = "GET /echo HTTP/1.1\r\n"
            + "Host: grafana.example.com:3000\r\n"
            + "Origin: https://grafana.example.com\r\n"
            + "X-Real-IP: 203.0.113.9\r\n"
            + "X-Forwarded-For: 203.0.113.9\r\n"
            + "X-Forwarded-Proto: https\r\n"
            + "Connection: close\r\n\r\n";

    @Test
    void hopByHopHeadersAndThoseConnectionNamesAreRemovedBothWays() {
        TestBackend a = track(new TestBackend("a"));
        ProxyServer proxy = proxy(ConfigFixture.gateway().backend("a", a.port()).build());

        RawHttp.Reply reply = RawHttp.oneResponse(proxy.port(), "GET /echo HTTP/1.1\r\n"
                + "Host: g\r\n"
                + "Connection: keep-alive, X-Secret-Hop\r\n"
                + "X-Secret-Hop: drop me\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
                + "TE: trailers\r\n"
                + "X-End-To-End: keep me\r\n\r\n");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(a.header("X-secret-hop")).isEmpty();
        assertThat(a.header("Keep-alive")).isEmpty();
        assertThat(a.header("Proxy-authorization")).isEmpty();
        assertThat(a.header("Te")).isEmpty();
        assertThat(a.header("X-end-to-end")).containsExactly("keep me");
        assertThat(reply.text()).doesNotContainIgnoringCase("X-Backend-Hop: should not reach");
        assertThat(reply.text()).containsIgnoringCase("X-Backend: a");
        assertThat(reply.closed()).as("keep-alive connection stays open").isFalse();
    }

    @Test
    void keepAliveServesPipelinedRequestsInOrder() {
        TestBackend a = track(new TestBackend("a"));
        ProxyServer proxy = proxy(ConfigFixture.gateway().backend("a", a.port()).build());

        RawHttp.Reply reply = RawHttp.send(proxy.port(), "GET /echo HTTP/1.1\r\nHost: g\r\n\r\n"
                + "HEAD /echo HTTP/1.1\r\nHost: g\r\n\r\n"
                + "GET /other HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n", 3000);

        assertThat(reply.count("HTTP/1.1 200")).isEqualTo(3);
        assertThat(reply.text()).endsWith("ok");
        assertThat(reply.count("name=a")).isEqualTo(1);
        assertThat(reply.closed()).isTrue();
    }

    @Test
    void http10ClientGetsACloseDelimitedResponse() {
        TestBackend a = track(new TestBackend("a"));
        ProxyServer proxy = proxy(ConfigFixture.gateway().backend("a", a.port()).build());

        RawHttp.Reply reply = RawHttp.send(proxy.port(), "GET /download?n=100000 HTTP/1.0\r\n\r\n", 3000);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.text()).doesNotContainIgnoringCase("transfer-encoding");
        assertThat(reply.body()).hasSize(100000);
        assertThat(reply.closed()).isTrue();
    }

    @Test
    void refusedConnectionIs502InGrafanaErrorShapeAndReported() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        List<Outcome> outcomes = new CopyOnWriteArrayList<>();
        GatewayConfig config = ConfigFixture.gateway().backend("a", closedPort).build();
        ProxyServer proxy = track(new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry(),
                (backend, outcome) -> outcomes.add(outcome)).start());

        HttpResponse<String> response = get(proxy, "/api/dashboards");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(response.body()).isEqualTo("{\"message\":\"Grafana backend a refused the connection\"}");
        assertThat(outcomes).containsExactly(Outcome.CONNECT_REFUSED);
    }

    @Test
    void backendClosingWithoutAnswerIs502() throws IOException {
        try (RawBackend raw = new RawBackend("")) {
            ProxyServer proxy = proxy(ConfigFixture.gateway().backend("a", raw.port()).build());
            RawHttp.Reply reply = RawHttp.send(proxy.port(), "GET / HTTP/1.1\r\nHost: g\r\n\r\n", 3000);
            assertThat(reply.status()).isEqualTo(502);
            assertThat(reply.body()).contains("closed the connection");
            assertThat(reply.closed()).isTrue();
        }
    }

    @Test
    void slowBackendIs504AfterTheResponseTimeout() throws Exception {
        TestBackend a = track(new TestBackend("a"));
        ProxyServer proxy = proxy(ConfigFixture.gateway().backend("a", a.port()).responseTimeout(Duration.ofMillis(300)).build());

        HttpResponse<String> response = get(proxy, "/hold");

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.body()).contains("did not answer within 300 ms");
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openBackendConnections() == 0);
    }

    @Test
    void noRoutableBackendIs503() throws Exception {
        GatewayConfig config = ConfigFixture.gateway().backend("a", 1).build();
        Router none = new Router() {
            @Override
            public Optional<io.grafanaha.health.Route> pick(io.grafanaha.health.RouteRequest request) {
                return Optional.empty();
            }

            @Override
            public List<Backend> routable() {
                return List.of();
            }
        };
        ProxyServer proxy = proxy(config, none);

        HttpResponse<String> response = get(proxy, "/");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("{\"message\":\"no Grafana backend is available\"}");
    }

    @Test
    void headResponseHasHeadersButNoBody() {
        TestBackend a = track(new TestBackend("a"));
        ProxyServer proxy = proxy(ConfigFixture.gateway().backend("a", a.port()).build());

        RawHttp.Reply reply = RawHttp.send(proxy.port(), "HEAD /echo HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n", 3000);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.text()).containsIgnoringCase("content-length: 6");
        assertThat(reply.body()).isEmpty();
    }

    /** Each transport the kernel offers carries a streamed download and upload; one it lacks falls back. */
    @ParameterizedTest
    @EnumSource(ProxyConfig.IoTransport.class)
    void everyTransportCarriesRequests(ProxyConfig.IoTransport choice) throws Exception {
        TestBackend a = track(new TestBackend("a"));
        ProxyServer proxy = proxy(ConfigFixture.gateway().backend("a", a.port()).transport(choice).build());

        boolean uring = choice == ProxyConfig.IoTransport.IO_URING
                || choice == ProxyConfig.IoTransport.AUTO && Transport.AUTO_PREFERS_IO_URING;
        String expected = choice == ProxyConfig.IoTransport.NIO ? "nio"
                : uring && IoUring.isAvailable() ? "io_uring" : Epoll.isAvailable() ? "epoll" : "nio";
        assertThat(proxy.transport()).isEqualTo(expected);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String base = "http://127.0.0.1:" + proxy.port();
        HttpResponse<byte[]> download = client.send(HttpRequest.newBuilder(URI.create(base + "/download?n=300000")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).hasSize(300_000);
        HttpResponse<String> upload = client.send(HttpRequest.newBuilder(URI.create(base + "/upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1_000_000])).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(upload.body()).startsWith("bytes=1000000 ");
    }

    @Test
    void aStoppedProxyCannotStartAgainAndShutdownIsIdempotent() {
        TestBackend a = track(new TestBackend("a"));
        ProxyServer proxy = new ProxyServer(ConfigFixture.gateway().backend("a", a.port()).build(),
                ConfigFixture.staticRouter(ConfigFixture.gateway().backend("a", a.port()).build()), new SimpleMeterRegistry()).start();
        assertThat(proxy.shutdown(Duration.ZERO)).isTrue();
        assertThat(proxy.shutdown(Duration.ZERO)).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(proxy::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void nioTransportForwardsTheSameWay() throws Exception {
        TestBackend a = track(new TestBackend("a"));
        GatewayConfig config = ConfigFixture.gateway().backend("a", a.port()).build();
        ProxyServer proxy = track(new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry(),
                io.grafanaha.health.OutcomeListener.NONE, Transport.nio()).start());

        assertThat(proxy.transport()).isEqualTo("nio");
        assertThat(get(proxy, "/echo").body()).isEqualTo("name=a");
    }

    @Test
    void upgradeRefusedByTheBackendIsAnOrdinaryResponse() {
        TestBackend a = track(new TestBackend("a"));
        ProxyServer proxy = proxy(ConfigFixture.gateway().backend("a", a.port()).build());

        RawHttp.Reply reply = RawHttp.send(proxy.port(), "GET /echo HTTP/1.1\r\nHost: g\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
                + "GET /other HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n", 3000);

        assertThat(reply.count("HTTP/1.1 200")).isEqualTo(2);
        assertThat(reply.closed()).isTrue();
    }
}
