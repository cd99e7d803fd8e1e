package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.PromiseCombiner;
import java.util.ArrayList;
import java.util.List;

/**
 * One HTTP/2 stream's answer when the backend's response is relayed as bytes ({@link ClientBytes}, as for an HTTP/1.1
 * client): the head's bytes become a HEADERS frame, the body's DATA frames, and a chunked body loses its framing
 * (its trailers, if any, end the stream as a second HEADERS frame). The bytes come from {@link ResponseFramer}, which
 * let through only an ordinary head (a final status, clean header lines, a known body length or chunks) and a body
 * whose framing it checked, so this only takes them apart; it never judges them.
 *
 * <p>An h2 answer so skips what the object path costs per response: the backend's head decoded into headers, then
 * converted into HTTP/2's.
 */
final class AnswerFrames {
    /** Connection-specific lines HTTP/2 forbids (RFC 9113 §8.2.2): the head's end adds the first two for HTTP/1.1. */
    private static final AsciiString[] HOP_BY_HOP = {
        HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
        HttpHeaderNames.PROXY_CONNECTION, HttpHeaderNames.UPGRADE, HttpHeaderNames.TE};
    private static final int STATUS_AT = "HTTP/1.1 ".length();

    private enum Part { HEAD, LENGTH, CHUNKED, DONE }

    private final boolean headRequest;
    private final HeaderStrings strings;
    private Part part = Part.HEAD;
    /** The body bytes still to come ({@link Part#LENGTH}). */
    private long left;
    private Chunks chunks;

    /**
     * {@code headRequest}: the answer is to HEAD, so no body follows whatever its head says; {@code strings}: the
     * connection's header names and values.
     */
    AnswerFrames(boolean headRequest, HeaderStrings strings) {
        this.headRequest = headRequest;
        this.strings = strings;
    }

    /** The next bytes {@link ClientBytes} wrote: the head first, then the body's parts. */
    void write(StreamClient out, ByteBuf bytes, ChannelPromise promise) {
        switch (part) {
            case HEAD -> head(out, bytes, promise);
            case LENGTH -> length(out, bytes, promise);
            case CHUNKED -> chunked(out, bytes, promise);
            case DONE -> {
                // The empty part that ends a bodiless answer: the HEADERS frame ended the stream already.
                bytes.release();
                promise.setSuccess();
            }
        }
    }

    private void head(StreamClient out, ByteBuf in, ChannelPromise promise) {
        int status;
        Http2Headers headers = new DefaultHttp2Headers(true);
        boolean chunked = false;
        long length = -1;
        try {
            int from = in.readerIndex();
            int to = in.writerIndex();
            status = (in.getByte(from + STATUS_AT) - '0') * 100 + (in.getByte(from + STATUS_AT + 1) - '0') * 10
                    + in.getByte(from + STATUS_AT + 2) - '0';
            headers.status(HttpResponseStatus.valueOf(status).codeAsText());
            for (int line = in.indexOf(from, to, (byte) '\n') + 1; line < to; ) {
                int lf = in.indexOf(line, to, (byte) '\n');
                if (lf - line <= 1) {
                    break; // the empty line
                }
                int colon = in.indexOf(line, lf, (byte) ':');
                AsciiString name = strings.name(in, line, colon);
                AsciiString value = strings.value(name, in, colon + 1, lf - 1);
                line = lf + 1;
                if (HttpHeaderNames.TRANSFER_ENCODING.contentEquals(name)) {
                    chunked = true; // the only coding the byte path lets through
                } else if (HttpHeaderNames.CONTENT_LENGTH.contentEquals(name)) {
                    length = value.parseLong();
                }
                if (!hopByHop(name)) {
                    headers.add(name, value);
                }
            }
        } finally {
            in.release();
        }
        if (headRequest || status == 204 || status == 304 || (!chunked && length == 0)) {
            part = Part.DONE;
            out.send(new DefaultHttp2HeadersFrame(headers, true), promise);
            return;
        }
        if (chunked) {
            part = Part.CHUNKED;
            chunks = new Chunks(strings);
        } else {
            part = Part.LENGTH;
            left = length;
        }
        out.send(new DefaultHttp2HeadersFrame(headers, false), promise);
    }

    private void length(StreamClient out, ByteBuf in, ChannelPromise promise) {
        if (!in.isReadable()) {
            in.release();
            promise.setSuccess();
            return;
        }
        left -= in.readableBytes();
        if (left <= 0) {
            part = Part.DONE;
        }
        out.send(new DefaultHttp2DataFrame(in, left <= 0), promise);
    }

    private void chunked(StreamClient out, ByteBuf in, ChannelPromise promise) {
        List<Http2StreamFrame> frames = new ArrayList<>(2);
        try {
            chunks.read(in, frames);
        } finally {
            in.release();
        }
        if (chunks.done()) {
            part = Part.DONE;
            Http2Headers trailers = chunks.trailers();
            int last = frames.size() - 1;
            if (trailers != null) {
                frames.add(new DefaultHttp2HeadersFrame(trailers, true));
            } else if (last >= 0) {
                frames.set(last, new DefaultHttp2DataFrame(((DefaultHttp2DataFrame) frames.get(last)).content(), true));
            } else {
                frames.add(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true));
            }
        }
        if (frames.isEmpty()) {
            promise.setSuccess(); // only framing in these bytes
        } else if (frames.size() == 1) {
            out.send(frames.get(0), promise);
        } else {
            PromiseCombiner all = new PromiseCombiner(out.eventLoop());
            frames.forEach(frame -> all.add(out.send(frame)));
            all.finish(promise);
        }
    }

    private static boolean hopByHop(AsciiString name) {
        for (AsciiString h : HOP_BY_HOP) {
            if (h.contentEquals(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A chunked body's data without its framing, across the reads it arrives in: {@link ChunkedFraming} reads the
     * framing (which {@link ResponseFramer} already checked on these bytes) and tells this the data and trailers.
     */
    private static final class Chunks implements ChunkedFraming.Content {
        private final ChunkedFraming framing = new ChunkedFraming(this);
        private final HeaderStrings strings;
        /** Where {@link #read} puts the frames of the bytes it is reading. */
        private List<Http2StreamFrame> frames;
        /** The trailer section's lines as they came, without its empty line; null while none came. */
        private ByteBuf trailerLines;
        private boolean done;

        Chunks(HeaderStrings strings) {
            this.strings = strings;
        }

        /** Adds a DATA frame for each run of data in {@code in}. */
        void read(ByteBuf in, List<Http2StreamFrame> frames) {
            this.frames = frames;
            try {
                done = framing.scan(in, in.readerIndex(), in.writerIndex()) >= 0;
            } catch (ChunkedFraming.Broken e) {
                throw new IllegalStateException("chunked framing the response framer let through: " + e.getMessage(), e);
            } finally {
                this.frames = null;
            }
        }

        @Override
        public void data(ByteBuf in, int from, int length) {
            frames.add(new DefaultHttp2DataFrame(in.retainedSlice(from, length), false));
        }

        @Override
        public void trailer(byte b) {
            if (trailerLines == null) {
                trailerLines = Unpooled.buffer(256);
            }
            trailerLines.writeByte(b);
        }

        boolean done() {
            return done;
        }

        /** The trailer section as HTTP/2 headers, or null when it was empty. */
        Http2Headers trailers() {
            if (trailerLines == null) {
                return null;
            }
            Http2Headers headers = new DefaultHttp2Headers(true);
            ByteBuf in = trailerLines;
            for (int line = 0, lf; (lf = in.indexOf(line, in.writerIndex(), (byte) '\n')) > line + 1; line = lf + 1) {
                int colon = in.indexOf(line, lf, (byte) ':');
                AsciiString name = strings.name(in, line, colon);
                AsciiString value = strings.value(name, in, colon + 1, lf - 1);
                if (!hopByHop(name)) {
                    headers.add(name, value);
                }
            }
            in.release();
            trailerLines = null;
            return headers.isEmpty() ? null : headers;
        }
    }
}
