package io.grafanaha.gateway.proxy;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * A response encoder that knows the request's method, because a response to HEAD carries framing
 * headers but never a body (Netty's HttpServerCodec does the same internally; the proxy uses its own
 * decoder, so it pairs it with this encoder). The proxy serves one request at a time per connection,
 * so the current method is enough.
 */
final class MethodAwareResponseEncoder extends HttpResponseEncoder {
    private HttpMethod method = HttpMethod.GET;

    void respondingTo(HttpMethod method) {
        this.method = method;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
    }
}
