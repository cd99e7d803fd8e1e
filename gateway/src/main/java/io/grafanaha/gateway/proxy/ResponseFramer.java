package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * A backend connection's response bytes, before the object decoder: for a request whose answer may go to the client
 * as bytes ({@link #expect}), it finds the response head, and when {@link ResponseHeadParser} finds it ordinary, hands
 * on a {@link RawResponseHead} and then the body as {@link RawResponseBody} parts, passed through untouched while
 * their framing is followed to find the end. Anything else (an interim or doubtful head, a body that ends with the
 * connection, a request that needs the answer as objects) reaches the {@link BackendResponseDecoder} as the bytes it
 * would have had, so its strict rules stay the only judge of those.
 */
final class ResponseFramer extends ChannelInboundHandlerAdapter {
    static final String NAME = "framer";

    /** A head still unfinished at this size goes to the object decoder, which enforces the limits. */
    static final int MAX_HEAD = 16 * 1024;

    private enum Mode { OBJECTS, HEAD, LENGTH, CHUNKED, DONE }

    private final BackendResponseDecoder decoder;
    private Mode mode = Mode.OBJECTS;
    private boolean headRequest;
    /** The head's bytes so far, when it came in more than one read. */
    private ByteBuf partial;
    /** Where the search for the head's end resumes in {@link #partial}. */
    private int searched;
    private long remaining;
    private ChunkedFraming chunks;
    /** The connection's copy of its latest head, for {@link ResponseHeadParser}: grown to the largest head seen. */
    private byte[] scratch = new byte[512];

    ResponseFramer(BackendResponseDecoder decoder) {
        this.decoder = decoder;
    }

    /** The next response answers a {@code method} request; {@code bytes}: it may come as bytes when it is ordinary. */
    void expect(HttpMethod method, boolean bytes) {
        decoder.expect(method);
        headRequest = HttpMethod.HEAD.equals(method);
        mode = bytes ? Mode.HEAD : Mode.OBJECTS;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (mode == Mode.OBJECTS || !(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
        } else if (mode == Mode.HEAD) {
            head(ctx, in);
        } else if (mode == Mode.DONE) {
            stray(ctx, in);
        } else {
            body(ctx, in, in.readerIndex());
        }
    }

    private void head(ChannelHandlerContext ctx, ByteBuf in) {
        ByteBuf buf = in;
        if (partial != null) {
            partial.writeBytes(in);
            in.release();
            buf = partial;
        }
        int end = headEnd(buf);
        if (end == 0 || (end < 0 && buf.readableBytes() >= MAX_HEAD)) {
            toObjects(ctx, buf);
            return;
        }
        if (end < 0) {
            if (partial == null) {
                partial = ctx.alloc().buffer(Math.max(1024, buf.readableBytes() * 2)).writeBytes(buf);
                buf.release();
            }
            return;
        }
        int length = end - buf.readerIndex();
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, 2 * scratch.length)];
        }
        buf.getBytes(buf.readerIndex(), scratch, 0, length);
        RawResponseHead head = ResponseHeadParser.parse(scratch, length, headRequest, ctx.alloc());
        if (head == null) {
            toObjects(ctx, buf);
            return;
        }
        partial = null;
        searched = 0;
        remaining = head.length();
        mode = remaining == 0 ? Mode.DONE : remaining < 0 ? Mode.CHUNKED : Mode.LENGTH;
        chunks = remaining < 0 ? new ChunkedFraming() : null;
        ctx.fireChannelRead(head);
        if (mode == Mode.DONE) {
            ctx.fireChannelRead(new RawResponseBody(Unpooled.EMPTY_BUFFER, 0, true));
            stray(ctx, buf.readerIndex(end));
        } else {
            body(ctx, buf, end);
        }
    }

    /**
     * Just past the head's empty line, -1 while it has not come, or 0 when a line ends in a bare LF (which the object
     * decoder refuses; waiting for a CRLF that never comes would hang instead).
     */
    private int headEnd(ByteBuf buf) {
        int first = buf.readerIndex();
        int end = buf.writerIndex();
        for (int i = buf.indexOf(first + searched, end, (byte) '\n'); i >= 0; i = buf.indexOf(i + 1, end, (byte) '\n')) {
            if (i == first || buf.getByte(i - 1) != '\r') {
                return 0;
            }
            if (i - 3 >= first && buf.getByte(i - 2) == '\n') {
                return i + 1;
            }
        }
        searched = Math.max(0, end - first - 3);
        return -1;
    }

    /** The body from {@code from} on: passed on as it is, up to its end; what follows the end is not this response's. */
    private void body(ChannelHandlerContext ctx, ByteBuf buf, int from) {
        int to = buf.writerIndex();
        int end;
        int data;
        if (mode == Mode.LENGTH) {
            end = (int) Math.min(to, from + remaining);
            remaining -= end - from;
            data = end - from;
            end = remaining == 0 ? end : -1;
        } else {
            try {
                end = chunks.scan(buf, from, to);
            } catch (ChunkedFraming.Broken e) {
                buf.release();
                broken(ctx, e.getMessage());
                return;
            }
            data = chunks.takeDataBytes();
        }
        int stop = end < 0 ? to : end;
        if (stop > from) {
            ctx.fireChannelRead(new RawResponseBody(buf.retainedSlice(from, stop - from), data, end >= 0));
        }
        if (end < 0) {
            buf.release();
            return;
        }
        mode = Mode.DONE;
        chunks = null;
        stray(ctx, buf.readerIndex(end));
    }

    /** Bytes after a whole response: the connection can no longer be trusted, as with the object decoder's garbage. */
    private void stray(ChannelHandlerContext ctx, ByteBuf buf) {
        boolean any = buf.isReadable();
        buf.release();
        if (any) {
            ctx.close();
        }
    }

    /** The head is with the client already: the attempt fails as it does when the decoder finds a broken body. */
    private void broken(ChannelHandlerContext ctx, String why) {
        mode = Mode.DONE;
        LastHttpContent failure = new DefaultLastHttpContent();
        failure.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(why)));
        ctx.fireChannelRead(failure);
        ctx.close();
    }

    /** Not for the byte path: the object decoder gets every byte of this response, from its first. */
    private void toObjects(ChannelHandlerContext ctx, ByteBuf buf) {
        mode = Mode.OBJECTS;
        partial = null;
        searched = 0;
        ctx.fireChannelRead(buf);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (partial != null) {
            toObjects(ctx, partial); // a head cut off: the decoder reports it as it always has
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ReferenceCountUtil.release(partial);
        partial = null;
    }
}
