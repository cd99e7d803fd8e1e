package io.grafanaha.gateway.proxy;

import io.grafanaha.gateway.listener.RequestHeadDeadline;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;

/**
 * An HTTP/1.1 client's {@link ClientBytes}: a place in the client's pipeline below the response encoder, so the bytes
 * go out as they are and the encoder, which never sees them, stays ready for the next answer written as objects. What
 * passes is noted as the encoder notes what it encodes (status and body bytes for the access log; the answer's end
 * for the request-head deadline).
 */
final class Http1ClientBytes extends ChannelHandlerAdapter implements ClientBytes {
    private final AnswerNotes notes;
    private final RequestHeadDeadline deadline;
    private ChannelHandlerContext ctx;

    Http1ClientBytes(AnswerNotes notes, RequestHeadDeadline deadline) {
        this.notes = notes;
        this.deadline = deadline;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public ChannelFuture writeHead(int status, ByteBuf head) {
        notes.wroteHead(status);
        return ctx.write(head);
    }

    @Override
    public ChannelFuture writeBody(RawResponseBody body) {
        notes.wroteBody(body.dataBytes());
        if (body.last()) {
            deadline.answered();
        }
        return ctx.write(body.content());
    }
}
