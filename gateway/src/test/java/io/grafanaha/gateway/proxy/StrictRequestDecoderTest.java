package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The request decoder with its byte path for ordinary heads: requests come out in the order they came in, whichever
 * path read them, and a head the byte path cannot take whole is decoded as before.
 */
class StrictRequestDecoderTest {
    private static final String GET_A = "GET /a HTTP/1.1\r\nHost: g\r\n\r\n";
    private static final String POST_B = "POST /b HTTP/1.1\r\nHost: g\r\nContent-Length: 3\r\n\r\nabc";
    private static final String GET_C = "GET /c HTTP/1.1\r\nHost: g\r\nAccept: */*\r\n\r\n";

    @Test
    void pipelinedRequestsComeOutInOrderAroundABody() {
        EmbeddedChannel channel = decoder();
        channel.writeInbound(bytes(GET_A + POST_B + GET_C + GET_A));
        assertThat(read(channel)).containsExactly("GET /a", "end ", "POST /b", "end abc", "GET /c", "end ", "GET /a", "end ");
        channel.finishAndReleaseAll();
    }

    @Test
    void aHeadSplitOverTwoReadsIsDecodedAndTheNextOneToo() {
        EmbeddedChannel channel = decoder();
        channel.writeInbound(bytes(GET_A + "GET /b HTTP/1.1\r\nHo"));
        assertThat(read(channel)).containsExactly("GET /a", "end ");
        channel.writeInbound(bytes("st: g\r\n\r\n" + GET_C));
        assertThat(read(channel)).containsExactly("GET /b", "end ", "GET /c", "end ");
        channel.finishAndReleaseAll();
    }

    @Test
    void aBodySplitOverReadsEndsBeforeTheNextHead() {
        EmbeddedChannel channel = decoder();
        channel.writeInbound(bytes("POST /b HTTP/1.1\r\nHost: g\r\nContent-Length: 3\r\n\r\na"));
        channel.writeInbound(bytes("bc" + GET_C));
        assertThat(read(channel)).containsExactly("POST /b", "body a", "end bc", "GET /c", "end ");
        channel.finishAndReleaseAll();
    }

    @Test
    void aMalformedHeadAfterAnOrdinaryOneIsStillRefused() {
        EmbeddedChannel channel = decoder();
        channel.writeInbound(bytes(GET_A + "GET /b HTTP/1.1\r\nHost : g\r\n\r\n" + GET_C));
        assertThat(read(channel)).containsExactly("GET /a", "end ", "invalid");
        channel.finishAndReleaseAll();
    }

    @Test
    void connectionsOnOneThreadTakingTurnsWithLongAndShortHeadsEachGetTheirOwnHeaders() {
        EmbeddedChannel first = decoder();
        EmbeddedChannel second = decoder();
        String cookie = "session=" + "x".repeat(3000);
        first.writeInbound(bytes("GET /long HTTP/1.1\r\nHost: g\r\nCookie: " + cookie + "\r\n\r\n"));
        second.writeInbound(bytes("GET /short HTTP/1.1\r\nHost: h\r\n\r\n"));
        first.writeInbound(bytes("GET /next HTTP/1.1\r\nHost: i\r\n\r\n"));

        HttpRequest longHead = first.readInbound();
        assertThat(longHead.uri()).isEqualTo("/long");
        assertThat(longHead.headers().get("Cookie")).isEqualTo(cookie);
        HttpRequest shortHead = second.readInbound();
        assertThat(shortHead.uri()).isEqualTo("/short");
        assertThat(shortHead.headers().names()).containsExactly("Host");
        assertThat(shortHead.headers().get("Host")).isEqualTo("h");
        ReferenceCountUtil.release(first.readInbound()); // the first head's end
        HttpRequest next = first.readInbound();
        assertThat(next.uri()).isEqualTo("/next");
        assertThat(next.headers().names()).containsExactly("Host");
        first.finishAndReleaseAll();
        second.finishAndReleaseAll();
    }

    private static EmbeddedChannel decoder() {
        return new EmbeddedChannel(new StrictRequestDecoder(ProxyServer.MAX_CHUNK));
    }

    private static io.netty.buffer.ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    /** The objects the decoder handed on so far, in order, as short labels. */
    private static List<String> read(EmbeddedChannel channel) {
        List<String> labels = new ArrayList<>();
        for (Object msg; (msg = channel.readInbound()) != null; ReferenceCountUtil.release(msg)) {
            if (msg instanceof HttpRequest request) {
                labels.add(request.decoderResult().isSuccess() ? request.method() + " " + request.uri() : "invalid");
            }
            if (msg instanceof LastHttpContent last) {
                labels.add("end " + last.content().toString(StandardCharsets.ISO_8859_1));
            } else if (msg instanceof HttpContent content) {
                labels.add("body " + content.content().toString(StandardCharsets.ISO_8859_1));
            }
        }
        return labels;
    }
}
