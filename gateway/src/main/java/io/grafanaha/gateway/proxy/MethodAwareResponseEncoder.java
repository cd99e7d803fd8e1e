package io.grafanaha.gateway.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * A response encoder that knows the request's method, because a response to HEAD carries framing
 * headers but never a body (Netty's HttpServerCodec does the same internally; the proxy uses its own
 * decoder, so it pairs it with this encoder). The proxy serves one request at a time per connection,
 * so the current method is enough; it and what the client got are the connection's {@link AnswerNotes}.
 */
final class MethodAwareResponseEncoder extends HttpResponseEncoder {
    private final AnswerNotes notes = new AnswerNotes();

    /** The method of the request being answered, and what its client got so far. */
    AnswerNotes notes() {
        return notes;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        notes.note(msg);
        super.write(ctx, msg, promise);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        return HttpMethod.HEAD.equals(notes.method()) || super.isContentAlwaysEmpty(msg);
    }
}
