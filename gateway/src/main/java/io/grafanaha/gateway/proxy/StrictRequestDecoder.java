package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.List;

/**
 * Netty's request decoder with the checks it lacks: it silently joins obsolete line folding into the
 * previous value and, depending on the version, tolerates whitespace before a header's colon. Both are
 * classic smuggling vectors (a peer may parse them differently), so the header section is scanned
 * before Netty consumes it and any such line turns the request into a decoder failure. So does a control
 * or non-ASCII byte in the request line (Netty passes NUL through and reads 0xFF as a character).
 *
 * <p>The head of a chunked request is held back until its first chunk-size line has been read: a
 * malformed one (a 20 KB chunk extension, a bad size) then refuses the request before its head has
 * gone to a backend. Later chunks stream as they come. A request expecting 100-continue is not held,
 * since its client waits for an answer before sending the body.
 *
 * <p>Between messages, an ordinary bodiless head complete in the bytes at hand is read by {@link RequestHeadParser}
 * instead, into the objects Netty's decoder would have made: the decoder's own parse (a char sequence per line,
 * validated header adds) is the costliest part of a proxied GET. Whatever the parser declines, and everything after
 * a head the decoder has begun, goes to Netty's decoder untouched, so its rules stay the only judge of doubtful bytes.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private boolean inHeaderSection = true;
    private boolean requestLineConsumed;
    private boolean failed;
    private HttpRequest heldHead;
    /**
     * Netty's decoder is at rest: nothing decoded yet, or its last message ended (with success) and it holds no state
     * of the next. Only then may a head bypass it.
     */
    private boolean betweenMessages = true;
    /**
     * A copy of the head being read, for {@link RequestHeadParser}: one per thread, not per connection (a connection's
     * own 512 bytes were 7 % of what a new connection allocated on the event loops; the parser keeps nothing of it),
     * grown to the largest head seen there, which the decoder's limits bound.
     */
    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[512];
        }
    };

    StrictRequestDecoder(int maxChunkSize) {
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(FramingValidator.MAX_REQUEST_LINE)
                .setMaxHeaderSize(FramingValidator.MAX_HEADER_SECTION)
                .setMaxChunkSize(maxChunkSize)
                .setAllowDuplicateContentLengths(false)
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)
                .setValidateHeaders(true));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (betweenMessages && ordinaryHead(in, out)) {
            return;
        }
        betweenMessages = false;
        if (inHeaderSection) {
            String problem = scan(in);
            if (problem != null) {
                failed = true;
                in.skipBytes(in.readableBytes());
                HttpRequest invalid = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/bad-request");
                invalid.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(problem)));
                out.add(invalid);
                return;
            }
        }
        int before = out.size();
        int start = in.readerIndex();
        super.decode(ctx, in, out);
        if (inHeaderSection && in.readerIndex() > start && !requestLineConsumed) {
            // Netty consumes whole lines only; consuming anything but blank lines means the request line is gone.
            requestLineConsumed = containsNonBlank(in, start, in.readerIndex());
        }
        for (int i = before; i < out.size(); i++) {
            Object decoded = out.get(i);
            if (decoded instanceof HttpMessage) {
                inHeaderSection = false;
            }
            if (decoded instanceof LastHttpContent) {
                inHeaderSection = true;
                requestLineConsumed = false;
            }
        }
        vetFirstChunk(out, before);
        if (failed) {
            in.skipBytes(in.readableBytes());
        }
        // Netty's decoder resets itself when it hands on a message's successful end, and returns right after.
        betweenMessages = !failed && heldHead == null && out.size() > before
                && out.get(out.size() - 1) instanceof LastHttpContent last && last.decoderResult().isSuccess();
    }

    /** Hands on the head at the reader index when it is whole and ordinary, with its (empty) end; else false. */
    private boolean ordinaryHead(ByteBuf in, List<Object> out) {
        int length = headLength(in);
        if (length < 0) {
            return false;
        }
        byte[] scratch = SCRATCH.get();
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, 2 * scratch.length)];
            SCRATCH.set(scratch);
        }
        in.getBytes(in.readerIndex(), scratch, 0, length);
        HttpRequest head = RequestHeadParser.parse(scratch, length);
        if (head == null) {
            return false;
        }
        in.skipBytes(length);
        out.add(head);
        out.add(LastHttpContent.EMPTY_LAST_CONTENT);
        return true;
    }

    /**
     * The length of the head at the reader index up to just past its empty line, or -1 when it is not all here, has a
     * line ending in a bare LF, or is larger than the decoder allows.
     */
    private static int headLength(ByteBuf in) {
        int first = in.readerIndex();
        int end = Math.min(in.writerIndex(), first + FramingValidator.MAX_REQUEST_LINE + FramingValidator.MAX_HEADER_SECTION);
        for (int i = in.indexOf(first, end, LF); i >= 0; i = in.indexOf(i + 1, end, LF)) {
            if (i == first || in.getByte(i - 1) != CR) {
                return -1;
            }
            if (i - 3 >= first && in.getByte(i - 2) == LF) {
                return i + 1 - first;
            }
        }
        return -1;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        super.channelReadComplete(ctx);
        if (heldHead != null && !ctx.channel().config().isAutoRead()) {
            // The head was decoded (so Netty asks for no more) but held back: the chunk line it waits for must still come.
            ctx.read();
        }
    }

    /** Holds a chunked head back until the chunk after it decoded; turns it into a failure if that did not. */
    private void vetFirstChunk(List<Object> out, int before) {
        if (heldHead != null) {
            if (out.size() == before) {
                return; // nothing new: keep holding
            }
            out.add(before, heldHead);
            heldHead = null;
        }
        for (int i = before; i < out.size(); i++) {
            if (!(out.get(i) instanceof HttpRequest head) || !head.decoderResult().isSuccess()
                    || !HttpUtil.isTransferEncodingChunked(head) || HttpUtil.is100ContinueExpected(head)) {
                continue;
            }
            if (i == out.size() - 1) {
                heldHead = (HttpRequest) out.remove(i);
                return;
            }
            if (out.get(i + 1) instanceof HttpObject first && first.decoderResult().isFailure()) {
                Throwable cause = first.decoderResult().cause();
                while (out.size() > i) {
                    ReferenceCountUtil.release(out.remove(out.size() - 1));
                }
                HttpRequest invalid = new DefaultHttpRequest(head.protocolVersion(), head.method(), head.uri());
                invalid.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(
                        "invalid first chunk (" + (cause == null ? "malformed" : cause.getMessage()) + ")")));
                out.add(invalid);
                failed = true;
                return;
            }
        }
    }

    /** The first framing problem in the complete header lines not yet consumed, or null. */
    private String scan(ByteBuf in) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        if (!requestLineConsumed) {
            while (i < end && (in.getByte(i) == CR || in.getByte(i) == LF)) {
                i++;
            }
            int lf = in.indexOf(i, end, LF);
            if (lf < 0) {
                return null;
            }
            for (int j = i; j < lf; j++) {
                int b = in.getByte(j) & 0xFF;
                if ((b < 0x20 || b >= 0x7F) && !(b == CR && j == lf - 1)) {
                    return "a control or non-ASCII byte (0x" + Integer.toHexString(b) + ") in the request line";
                }
            }
            i = lf + 1;
        }
        while (i < end) {
            byte first = in.getByte(i);
            if (first == CR || first == LF) {
                return null;
            }
            if (first == ' ' || first == '\t') {
                return "obsolete line folding in the header section";
            }
            int lf = in.indexOf(i, end, LF);
            int lineEnd = lf < 0 ? end : lf;
            for (int j = i; j < lineEnd; j++) {
                byte b = in.getByte(j);
                if (b == ':') {
                    break;
                }
                if (b == ' ' || b == '\t') {
                    return "whitespace in a header name or before its colon";
                }
            }
            if (lf < 0) {
                return null;
            }
            i = lf + 1;
        }
        return null;
    }

    private static boolean containsNonBlank(ByteBuf in, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = in.getByte(i);
            if (b != CR && b != LF) {
                return true;
            }
        }
        return false;
    }
}
