package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the byte-level head parser takes (ordinary bodiless heads, read exactly as Netty's decoder reads them) and what
 * it leaves to the strict decoder (anything else).
 */
class RequestHeadParserTest {
    private static final String BROWSER_GET = "GET /api/search?query=&starred=false HTTP/1.1\r\n"
            + "Host: grafana.example:3000\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
            + "Accept: application/json, text/plain, */*\r\n"
            + "accept-language:en-US,en;q=0.5   \r\n"
            + "X-Grafana-Org-Id: \t1\r\n"
            + "Cookie: grafana_session=abc; theme=dark\r\n"
            + "X-Empty:\r\n"
            + "Content-Length: 0\r\n"
            + "\r\n";

    @ParameterizedTest
    @ValueSource(strings = {
        BROWSER_GET,
        "HEAD / HTTP/1.0\r\n\r\n",
        "DELETE /api/dashboards/uid/x HTTP/1.1\r\nHost: g\r\nX-Odd-Value: a:b \"c\" {d}\r\n\r\n",
        "OPTIONS /api/health HTTP/1.1\r\nHost: [::1]:3000\r\nOrigin: https://o.example\r\n\r\n"})
    void readsAnOrdinaryHeadAsNettysDecoderDoes(String head) {
        HttpRequest parsed = parse(head);
        HttpRequest decoded = nettyDecoded(head);
        assertThat(parsed).isNotNull();
        assertThat(parsed.method()).isSameAs(decoded.method());
        assertThat(parsed.uri()).isEqualTo(decoded.uri());
        assertThat(parsed.protocolVersion()).isSameAs(decoded.protocolVersion());
        assertThat(entries(parsed)).isEqualTo(entries(decoded));
    }

    @Test
    void keepsTheClientsSpellingOfNamesAndTrimsValues() {
        HttpRequest parsed = parse(BROWSER_GET);
        assertThat(parsed.method()).isSameAs(HttpMethod.GET);
        assertThat(parsed.protocolVersion()).isSameAs(HttpVersion.HTTP_1_1);
        assertThat(entries(parsed)).startsWith("Host=grafana.example:3000").contains("accept-language=en-US,en;q=0.5",
                "X-Grafana-Org-Id=1", "X-Empty=");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "POST /api/ds/query HTTP/1.1\r\nHost: g\r\nContent-Length: 2\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nContent-Length: 00\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET /api/live/ws HTTP/1.1\r\nHost: g\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nSec-WebSocket-Key1: 1\r\nSec-WebSocket-Key2: 2\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nX-Folded: a\r\n b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : g\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\rX: y\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\u0000\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\u00e9\r\n\r\n",
        "GET /caf\u00e9 HTTP/1.1\r\nHost: g\r\n\r\n",
        "GET http://g/ HTTP/1.1\r\nHost: g\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: g\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: g\r\n\r\n",
        "GET / HTTP/1.2\r\nHost: g\r\n\r\n",
        "GET / http/1.1\r\nHost: g\r\n\r\n",
        "get / HTTP/1.1\r\nHost: g\r\n\r\n",
        "PROPFIND / HTTP/1.1\r\nHost: g\r\n\r\n",
        "GET / HTTP/1.1 \r\nHost: g\r\n\r\n",
        "\r\nGET / HTTP/1.1\r\nHost: g\r\n\r\n"})
    void leavesEveryOtherHeadToTheDecoder(String head) {
        assertThat(parse(head)).isNull();
    }

    @Test
    void leavesHeadsOverTheDecodersLimitsToIt() {
        String longTarget = "GET /" + "a".repeat(FramingValidator.MAX_REQUEST_LINE) + " HTTP/1.1\r\nHost: g\r\n\r\n";
        String bigHeaders = "GET / HTTP/1.1\r\nHost: g\r\nCookie: " + "c".repeat(FramingValidator.MAX_HEADER_SECTION) + "\r\n\r\n";
        assertThat(parse(longTarget)).isNull();
        assertThat(parse(bigHeaders)).isNull();
    }

    private static HttpRequest parse(String head) {
        byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
        return RequestHeadParser.parse(bytes, bytes.length);
    }

    /** The request Netty's decoder (in the gateway's configuration, without the parser) makes of {@code head}. */
    private static HttpRequest nettyDecoded(String head) {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpRequestDecoder(new HttpDecoderConfig()
                .setMaxInitialLineLength(FramingValidator.MAX_REQUEST_LINE)
                .setMaxHeaderSize(FramingValidator.MAX_HEADER_SECTION)
                .setAllowDuplicateContentLengths(false)
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)
                .setValidateHeaders(true)));
        channel.writeInbound(Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1));
        HttpRequest request = channel.readInbound();
        assertThat(request.decoderResult().isSuccess()).isTrue();
        assertThat((Object) channel.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        channel.finishAndReleaseAll();
        return request;
    }

    private static List<String> entries(HttpRequest request) {
        List<String> entries = new ArrayList<>();
        for (Map.Entry<String, String> header : request.headers()) {
            entries.add(header.getKey() + "=" + header.getValue());
        }
        return entries;
    }
}
