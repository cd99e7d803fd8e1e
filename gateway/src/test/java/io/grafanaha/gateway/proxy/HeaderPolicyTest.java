package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.config.TrustedProxies;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class HeaderPolicyTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.5", 50000);

    private static HttpRequest request(HttpVersion version) {
        return new DefaultHttpRequest(version, HttpMethod.GET, "/d/abc");
    }

    @Test
    void anH2cOfferIsServedAsPlainHttpWhileWebSocketIsTunnelled() {
        HttpRequest h2c = request(HttpVersion.HTTP_1_1);
        h2c.headers().set("Host", "grafana").set("Connection", "Upgrade, HTTP2-Settings").set("Upgrade", "h2c")
                .set("HTTP2-Settings", "AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA");
        HttpRequest ws = request(HttpVersion.HTTP_1_1);
        ws.headers().set("Host", "grafana").set("Connection", "Upgrade").set("Upgrade", "websocket");

        assertThat(HeaderPolicy.isUpgrade(h2c)).isFalse();
        assertThat(HeaderPolicy.isUpgrade(ws)).isTrue();
        HttpRequest out = HeaderPolicy.toBackend(h2c, CLIENT, "http", false);
        assertThat(out.headers().contains("Upgrade")).isFalse();
        assertThat(out.headers().contains("HTTP2-Settings")).isFalse();
    }

    @Test
    void connectionCannotNominateHostOrContentLengthAway() {
        HttpRequest in = request(HttpVersion.HTTP_1_1);
        in.headers().set("Host", "grafana").set("Content-Length", "0").set("Connection", "Host, Content-Length, X-Drop").set("X-Drop", "1");

        HttpRequest out = HeaderPolicy.toBackend(in, CLIENT, "http", false);

        assertThat(out.headers().get("Host")).isEqualTo("grafana");
        assertThat(out.headers().get("Content-Length")).isEqualTo("0");
        assertThat(out.headers().contains("X-Drop")).isFalse();
        assertThat(out.headers().contains("Connection")).isFalse();
        assertThat(out.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
    }

    @Test
    void aClientThatIsNotATrustedProxyCannotChooseTheAddressGrafanaBelieves() {
        HttpRequest in = request(HttpVersion.HTTP_1_1);
        in.headers().set("Host", "g.example:8443").add("X-Forwarded-For", "10.0.0.1").add("X-Forwarded-For", "10.0.0.2")
                .set("X-Real-IP", "10.9.9.9").set("X-Forwarded-Proto", "https").set("X-Forwarded-Host", "evil.example")
                .set("Forwarded", "for=10.9.9.9");

        HttpRequest out = HeaderPolicy.toBackend(in, CLIENT, "http", false, TrustedProxies.of("10.0.0.0/8"));

        assertThat(out.headers().get("X-Real-IP")).isEqualTo("127.0.0.5");
        assertThat(out.headers().getAll("X-Forwarded-For")).containsExactly("127.0.0.5");
        assertThat(out.headers().get("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(out.headers().get("X-Forwarded-Host")).isEqualTo("g.example:8443");
        assertThat(out.headers().contains("Forwarded")).isFalse();
    }

    @Test
    void aTrustedProxysChainIsKeptAndTheClientIsTheLastAddressThatIsNotAProxy() {
        HttpRequest in = request(HttpVersion.HTTP_1_1);
        in.headers().set("Host", "g.example:8443").add("X-Forwarded-For", "203.0.113.7, 10.1.2.3")
                .add("X-Forwarded-For", "127.0.0.9").set("X-Real-IP", "10.9.9.9").set("X-Forwarded-Proto", "https");

        HttpRequest out = HeaderPolicy.toBackend(in, CLIENT, "http", false, TrustedProxies.of("127.0.0.0/8", "10.0.0.0/8"));

        assertThat(out.headers().get("X-Forwarded-For")).isEqualTo("203.0.113.7, 10.1.2.3, 127.0.0.9, 127.0.0.5");
        assertThat(out.headers().get("X-Real-IP")).as("the client the first proxy saw").isEqualTo("203.0.113.7");
        assertThat(out.headers().get("X-Forwarded-Proto")).as("the TLS-terminating proxy's word").isEqualTo("https");
        assertThat(out.headers().get("X-Forwarded-Host")).isEqualTo("g.example:8443");
    }

    @Test
    void upgradeKeepsUpgradeAndConnectionUpgradeOnly() {
        HttpRequest in = request(HttpVersion.HTTP_1_1);
        in.headers().set("Host", "g").set("Connection", "keep-alive, Upgrade").set("Upgrade", "websocket").set("Keep-Alive", "5");

        assertThat(HeaderPolicy.isUpgrade(in)).isTrue();
        HttpRequest out = HeaderPolicy.toBackend(in, CLIENT, "http", true);

        assertThat(out.headers().get("Upgrade")).isEqualTo("websocket");
        assertThat(out.headers().get("Connection")).isEqualTo("upgrade");
        assertThat(out.headers().contains("Keep-Alive")).isFalse();
    }

    @Test
    void bodyOfUnknownLengthIsRechunkedForHttp11AndCloseDelimitedForHttp10() {
        HttpResponse forHttp11 = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        assertThat(HeaderPolicy.toClient(forHttp11, HttpMethod.GET, HttpVersion.HTTP_1_1, true)).isTrue();
        assertThat(forHttp11.headers().get("Transfer-Encoding")).isEqualTo("chunked");

        HttpResponse forHttp10 = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        assertThat(HeaderPolicy.toClient(forHttp10, HttpMethod.GET, HttpVersion.HTTP_1_0, true)).isFalse();
        assertThat(forHttp10.headers().contains("Transfer-Encoding")).isFalse();
        assertThat(forHttp10.headers().get("Connection")).isEqualTo("close");
    }

    @Test
    void http10KeepAliveIsAnsweredExplicitly() {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set("Content-Length", "2").set("Connection", "close, X-Internal").set("X-Internal", "x");

        assertThat(HeaderPolicy.toClient(response, HttpMethod.GET, HttpVersion.HTTP_1_0, true)).isTrue();

        assertThat(response.headers().get("Connection")).isEqualTo("keep-alive");
        assertThat(response.headers().contains("X-Internal")).isFalse();
    }

    @Test
    void everyHeaderAnyConnectionValueNamesIsDroppedWhateverTheSpacingAndCase() {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set("Content-Length", "2").add("Connection", "keep-alive ,\tX-One,, x-TWO")
                .add("Connection", "Content-Length,X-Three").set("X-One", "1").set("X-Two", "2").set("X-Three", "3")
                .set("Keep-Alive", "timeout=5").set("X-Kept", "k");

        HeaderPolicy.stripHopByHop(response.headers());

        assertThat(response.headers().names()).containsExactlyInAnyOrder("Content-Length", "X-Kept");
    }
}
