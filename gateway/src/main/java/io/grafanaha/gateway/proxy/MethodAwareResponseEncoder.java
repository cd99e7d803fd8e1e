package io.grafanaha.gateway.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * A response encoder that knows the request's method, because a response to HEAD carries framing
 * headers but never a body (Netty's HttpServerCodec does the same internally; the proxy uses its own
 * decoder, so it pairs it with this encoder). The proxy serves one request at a time per connection,
 * so the current method is enough. It also notes what the client got (the final status and the body bytes),
 * for the access log: every answer passes here, the backend's and the gateway's own alike.
 */
final class MethodAwareResponseEncoder extends HttpResponseEncoder {
    private HttpMethod method = HttpMethod.GET;
    private int status;
    private long bodyBytes;

    /** A new request: its method, and nothing answered yet. */
    void respondingTo(HttpMethod method) {
        this.method = method;
        this.status = 0;
        this.bodyBytes = 0;
    }

    /** The status of the answer's head (101 for an upgrade), 0 before one was written; interim 1xx do not count. */
    int status() {
        return status;
    }

    /** Response body bytes written since {@link #respondingTo}. */
    long bodyBytes() {
        return bodyBytes;
    }

    /** A final response head written as bytes, past this encoder ({@link ClientBytes}). */
    void wroteHead(int code) {
        status = code;
    }

    /** Body bytes written past this encoder ({@link ClientBytes}); an answer to HEAD has none. */
    void wroteBody(long bytes) {
        bodyBytes += bytes;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        note(msg);
        super.write(ctx, msg, promise);
    }

    /**
     * Notes what the client gets, into {@link #status} and {@link #bodyBytes}: here for HTTP/1.1, and from
     * {@link StreamClient} for an HTTP/2 stream, whose answers the frame codec encodes.
     */
    void note(Object msg) {
        if (msg instanceof HttpResponse head) {
            int code = head.status().code();
            if (code >= 200 || code == 101) {
                status = code;
            }
        }
        if (msg instanceof HttpContent content && !HttpMethod.HEAD.equals(method)) {
            bodyBytes += content.content().readableBytes();
        }
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
    }
}
