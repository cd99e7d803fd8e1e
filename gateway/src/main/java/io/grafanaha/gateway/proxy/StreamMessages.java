package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.concurrent.PromiseCombiner;

/**
 * One HTTP/2 stream's frames as the HTTP/1.1 objects the proxy path reads and writes, and its answers back as frames.
 *
 * <p>It does what Netty's {@code Http2StreamFrameToHttpObjectCodec} did here, with two handlers after it (the
 * {@code x-http2-*} headers removed, the answer noted for the access log), in one handler and with fewer objects per
 * stream: a request that ends with its HEADERS (every GET) becomes a head and the shared empty last chunk, as
 * HTTP/1.1's decoder hands it over, without a whole request and a pooled buffer made first and split again; frames
 * take over the content of the objects written instead of retaining it and releasing the object.
 *
 * <p>It is also the stream's {@link ClientBytes}: an ordinary answer from a backend comes as its bytes, as an HTTP/1.1
 * client gets it, and {@link AnswerFrames} takes them apart into frames. Being one handler, not a second one after it,
 * spares each stream a handler set up in its pipeline and each answer's writes a pass through it.
 *
 * <p>An interim answer (100 Continue) is a HEADERS frame that does not end the stream; the empty last chunk that
 * follows a relayed one ends nothing and is dropped.
 */
final class StreamMessages extends ChannelDuplexHandler implements ClientBytes {
    /** The names the conversion marks a request with (a copy of the enum's values once, not per request). */
    private static final HttpConversionUtil.ExtensionHeaderNames[] EXTENSION_HEADERS = HttpConversionUtil.ExtensionHeaderNames.values();
    private final MethodAwareResponseEncoder notes;
    private final HeaderStrings strings;
    /** An interim head was written and its empty last chunk is still to come. */
    private boolean interim;
    /** The request is HEAD: its answer has no body, whatever the head says. */
    private boolean headRequest;
    /** The answer as the backend's bytes ({@link ClientBytes}), from its head on; null while none came. */
    private AnswerFrames bytes;
    private ChannelHandlerContext ctx;

    /**
     * {@code notes} keeps the status and body bytes the client got, for the access log; {@code strings} are the
     * connection's header names and values for answers relayed as bytes.
     */
    StreamMessages(MethodAwareResponseEncoder notes, HeaderStrings strings) {
        this.notes = notes;
        this.strings = strings;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    // ---- client -> proxy

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Http2Exception {
        if (msg instanceof Http2HeadersFrame headers) {
            readHeaders(ctx, headers);
        } else if (msg instanceof Http2DataFrame data) {
            ctx.fireChannelRead(data.isEndStream() ? new DefaultLastHttpContent(data.content()) : new DefaultHttpContent(data.content()));
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void readHeaders(ChannelHandlerContext ctx, Http2HeadersFrame frame) throws Http2Exception {
        Http2Headers headers = frame.headers();
        int id = streamId(frame);
        if (headers.method() == null && frame.isEndStream()) {
            LastHttpContent trailers = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
            HttpConversionUtil.addHttp2ToHttpHeaders(id, headers, trailers.trailingHeaders(), HttpVersion.HTTP_1_1, true, true);
            ctx.fireChannelRead(trailers);
            return;
        }
        HttpRequest request = HttpConversionUtil.toHttpRequest(id, headers, true);
        headRequest = HttpMethod.HEAD.equals(request.method());
        // The conversion marks the request with x-http2-* headers (stream id, scheme) for in-process use: they are
        // not the client's and must not reach Grafana.
        for (HttpConversionUtil.ExtensionHeaderNames name : EXTENSION_HEADERS) {
            request.headers().remove(name.text());
        }
        if (frame.isEndStream()) {
            ctx.fireChannelRead(request);
            ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
            return;
        }
        if (!HttpUtil.isContentLengthSet(request)) {
            // A body of unknown length: HTTP/1.1's framing for it, toward the backend too.
            request.headers().add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        ctx.fireChannelRead(request);
    }

    private static int streamId(Http2StreamFrame frame) {
        Http2FrameStream stream = frame.stream();
        return stream == null ? 0 : stream.id();
    }

    // ---- proxy -> client

    @Override
    public ChannelFuture writeHead(int status, ByteBuf head) {
        notes.wroteHead(status);
        bytes = new AnswerFrames(headRequest, strings);
        return writeBytes(head);
    }

    @Override
    public ChannelFuture writeBody(RawResponseBody body) {
        notes.wroteBody(body.dataBytes());
        return writeBytes(body.content());
    }

    private ChannelFuture writeBytes(ByteBuf answer) {
        ChannelPromise promise = ctx.newPromise();
        bytes.write(ctx, answer, promise);
        return promise;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf empty && !empty.isReadable()) {
            // An empty write only waits for the writes before it ({@link ClientClose}); a stream's went to the
            // connection already, so there is nothing to wait for and no frame to send.
            empty.release();
            promise.setSuccess();
            return;
        }
        if (!(msg instanceof HttpObject)) {
            ctx.write(msg, promise);
            return;
        }
        notes.note(msg);
        if (msg instanceof HttpResponse head && interim(head)) {
            writeInterim(ctx, head, promise);
        } else if (msg instanceof HttpResponse head) {
            writeHead(ctx, head, promise);
        } else if (interim && msg instanceof LastHttpContent last) {
            interim = false;
            last.release();
            promise.setSuccess();
        } else if (msg instanceof LastHttpContent last) {
            writeLast(ctx, last, promise);
        } else {
            ctx.write(new DefaultHttp2DataFrame(((HttpContent) msg).content(), false), promise);
        }
    }

    /** 1xx but 101, whose switch of protocols HTTP/2 does not have: the final answer is still to come. */
    private static boolean interim(HttpResponse head) {
        int code = head.status().code();
        return code < 200 && code != 101;
    }

    private void writeInterim(ChannelHandlerContext ctx, HttpResponse head, ChannelPromise promise) {
        Http2Headers headers = HttpConversionUtil.toHttp2Headers(head, true);
        if (head instanceof LastHttpContent whole) {
            whole.release(); // an interim answer has no body
        } else {
            interim = true;
        }
        ctx.write(new DefaultHttp2HeadersFrame(headers, false), promise);
    }

    private static void writeHead(ChannelHandlerContext ctx, HttpResponse head, ChannelPromise promise) {
        Http2Headers headers = HttpConversionUtil.toHttp2Headers(head, true);
        if (!(head instanceof LastHttpContent whole)) {
            ctx.write(new DefaultHttp2HeadersFrame(headers, false), promise);
            return;
        }
        // The gateway's own answers come whole: head and body in one object.
        if (!whole.content().isReadable() && whole.trailingHeaders().isEmpty()) {
            whole.release();
            ctx.write(new DefaultHttp2HeadersFrame(headers, true), promise);
            return;
        }
        PromiseCombiner both = new PromiseCombiner(ctx.executor());
        both.add(ctx.write(new DefaultHttp2HeadersFrame(headers, false)));
        writeLast(ctx, whole, both);
        both.finish(promise);
    }

    private static void writeLast(ChannelHandlerContext ctx, LastHttpContent last, ChannelPromise promise) {
        if (last.trailingHeaders().isEmpty()) {
            ctx.write(new DefaultHttp2DataFrame(last.content(), true), promise);
            return;
        }
        PromiseCombiner both = new PromiseCombiner(ctx.executor());
        writeLast(ctx, last, both);
        both.finish(promise);
    }

    /** The last chunk's bytes (when it has any) and then its trailers, which end the stream. */
    private static void writeLast(ChannelHandlerContext ctx, LastHttpContent last, PromiseCombiner into) {
        boolean trailers = !last.trailingHeaders().isEmpty();
        if (last.content().isReadable() || !trailers) {
            into.add(ctx.write(new DefaultHttp2DataFrame(last.content(), !trailers)));
        } else {
            last.content().release();
        }
        if (trailers) {
            into.add(ctx.write(new DefaultHttp2HeadersFrame(HttpConversionUtil.toHttp2Headers(last.trailingHeaders(), true), true)));
        }
    }
}
