package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.CharsetUtil;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** A head written as bytes is the head Netty's request encoder would have written: Grafana cannot tell them apart. */
class RequestHeadWriterTest {

    @Test
    void theBytesAreWhatTheEncoderWrites() {
        HttpRequest head = outbound(HttpMethod.GET, "/d/abc/\u00e9t\u00e9?from=now-6h&to=now");
        head.headers().add("Cookie", "grafana_session=1; a=b").add("Accept", "*/*").add("X-Obs", "caf\u00e9");
        assertThat(written(head)).isEqualTo(encoded(head));
    }

    @Test
    void onlyAHeadThatIsTheWholeRequestGoesAsBytes() {
        assertThat(RequestHeadWriter.endsRequest(outbound(HttpMethod.GET, "/api/search"))).isTrue();
        HttpRequest emptyPost = outbound(HttpMethod.POST, "/api/x");
        emptyPost.headers().set("Content-Length", "0");
        assertThat(RequestHeadWriter.endsRequest(emptyPost)).isTrue();
        HttpRequest post = outbound(HttpMethod.POST, "/api/x");
        post.headers().set("Content-Length", "12");
        assertThat(RequestHeadWriter.endsRequest(post)).isFalse();
        HttpRequest chunked = outbound(HttpMethod.POST, "/api/x");
        chunked.headers().set("Transfer-Encoding", "chunked");
        assertThat(RequestHeadWriter.endsRequest(chunked)).isFalse();
        assertThat(RequestHeadWriter.endsRequest(outbound(HttpMethod.OPTIONS, "*"))).isFalse();
    }

    private static HttpRequest outbound(HttpMethod method, String uri) {
        HttpRequest in = new DefaultHttpRequest(HttpVersion.HTTP_1_0, method, uri);
        in.headers().add("Host", "g.example").add("Connection", "keep-alive").add("X-Forwarded-Proto", "https");
        return HeaderPolicy.toBackend(in, new InetSocketAddress("10.0.0.7", 50000), "http", false);
    }

    private static String written(HttpRequest head) {
        ByteBuf bytes = RequestHeadWriter.write(head, ByteBufAllocator.DEFAULT);
        try {
            return bytes.toString(CharsetUtil.ISO_8859_1);
        } finally {
            bytes.release();
        }
    }

    private static String encoded(HttpRequest head) {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpRequestEncoder());
        channel.writeOutbound(head);
        StringBuilder out = new StringBuilder();
        for (ByteBuf part; (part = channel.readOutbound()) != null; part.release()) {
            out.append(part.toString(CharsetUtil.ISO_8859_1));
        }
        channel.finishAndReleaseAll();
        return out.toString();
    }
}
