package io.grafanaha.gateway.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * {@code Expect: 100-continue} for a request whose body the gateway reads itself before anyone else sees
 * it (a watched Grafana write, a local route): no backend can say "continue" then, so the gateway does,
 * and drops the header so a backend asked later does not send a second interim response.
 */
final class ContinueAnswer {
    private ContinueAnswer() {}

    static void sendIfExpected(Client client, HttpRequest request) {
        if (HttpUtil.is100ContinueExpected(request)) {
            request.headers().remove(HttpHeaderNames.EXPECT);
            client.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
        }
    }
}
