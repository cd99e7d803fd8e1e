package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;

/**
 * One HTTP/2 stream as a {@link Client}: its frames become the HTTP/1.1 objects {@link FrontendHandler} reads, and the
 * answer written to it, as objects ({@link AnswerObjects}) or as the backend's bytes ({@link ClientBytes}, taken
 * apart by {@link AnswerFrames}), becomes its frames, written on the connection's handler ({@link Http2Stage}) with
 * the stream named on each. No channel or pipeline per stream: a Netty child channel per stream cost 3 to 5 µs, a
 * quarter of what Netty's HTTP/2 with one backend exchange costs per stream (bench/README.md, "What a child channel
 * per stream costs").
 *
 * <p>Backpressure both ways, as on an HTTP/1.1 connection: the body's DATA reaches the frontend as it arrives, but its
 * bytes go back to the client's flow-control window only when the frontend asks for more ({@link #read()}), so an
 * upload waits at the client until the backend takes it; the other way {@link #isWritable()} is the stream's window,
 * and a write completes only once the window let it out.
 *
 * <p>The stream ends when the codec closes it: after the answer's END_STREAM and the request's, after a reset from
 * either side, or with the connection. The frontend then hears {@link FrontendHandler#closed()}: at once when it is
 * between requests, else from a task, so an exchange in the middle of a write is not ended under its feet.
 */
final class StreamClient implements Client, ClientBytes {
    /** The names the conversion marks a request with (a copy of the enum's values once, not per request). */
    private static final HttpConversionUtil.ExtensionHeaderNames[] EXTENSION_HEADERS = HttpConversionUtil.ExtensionHeaderNames.values();

    private final Http2Stage.Streams connection;
    /** The connection's streams handler, whose writes go to the frame codec. */
    private final ChannelHandlerContext ctx;
    private final Http2FrameStream frameStream;
    private final Http2Stream stream;
    private final AnswerNotes notes;
    private final HeaderStrings strings;
    private FrontendHandler frontend;
    /** Flow-controlled bytes the frontend was given and has not yet asked to follow (see {@link #read()}). */
    private int unconsumed;
    /** The answer as HTTP/1.1 objects (the gateway's own answers, relayed heads and chunks). */
    private final AnswerObjects objects = new AnswerObjects();
    /** The request is HEAD: its answer has no body, whatever the head says. */
    private boolean headRequest;
    /** The answer as the backend's bytes ({@link ClientBytes}), from its head on; null while none came. */
    private AnswerFrames bytes;
    /**
     * The write of the answer's END_STREAM, done once it left the flow-control queue; null before it. Once it is
     * written, the request's remaining DATA is not wanted.
     */
    private ChannelFuture answerEnd;
    /** The stream is closed and the frontend told, or about to be. */
    private boolean gone;

    StreamClient(Http2Stage.Streams connection, ChannelHandlerContext ctx, Http2FrameStream frameStream, Http2Stream stream,
            AnswerNotes notes, HeaderStrings strings) {
        this.connection = connection;
        this.ctx = ctx;
        this.frameStream = frameStream;
        this.stream = stream;
        this.notes = notes;
        this.strings = strings;
    }

    void serve(FrontendHandler frontend) {
        this.frontend = frontend;
        frontend.opened();
    }

    // ---- client -> proxy

    /** The request's head, or its trailers. */
    void read(Http2HeadersFrame frame) {
        Http2Headers headers = frame.headers();
        if (headers.method() == null) {
            if (frame.isEndStream() && answerEnd == null) {
                LastHttpContent trailers = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
                try {
                    HttpConversionUtil.addHttp2ToHttpHeaders(stream.id(), headers, trailers.trailingHeaders(), HttpVersion.HTTP_1_1, true, true);
                } catch (Http2Exception e) {
                    trailers.release();
                    reset(Http2Error.PROTOCOL_ERROR);
                    return;
                }
                frontend.received(trailers);
            }
            return;
        }
        HttpRequest request;
        try {
            request = HttpConversionUtil.toHttpRequest(stream.id(), headers, true);
        } catch (Http2Exception e) {
            reset(Http2Error.PROTOCOL_ERROR);
            return;
        }
        headRequest = HttpMethod.HEAD.equals(request.method());
        // The conversion marks the request with x-http2-* headers (stream id, scheme) for in-process use: they are
        // not the client's and must not reach Grafana.
        for (HttpConversionUtil.ExtensionHeaderNames name : EXTENSION_HEADERS) {
            request.headers().remove(name.text());
        }
        if (frame.isEndStream()) {
            frontend.received(request);
            frontend.received(LastHttpContent.EMPTY_LAST_CONTENT);
            return;
        }
        if (!HttpUtil.isContentLengthSet(request)) {
            // A body of unknown length: HTTP/1.1's framing for it, toward the backend too.
            request.headers().add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        frontend.received(request);
    }

    /** A part of the request's body. */
    void read(Http2DataFrame data) {
        int flowed = data.initialFlowControlledBytes();
        if (answerEnd != null || gone) {
            data.release();
            giveBack(flowed);
            return;
        }
        unconsumed += flowed;
        frontend.received(data.isEndStream() ? new DefaultLastHttpContent(data.content()) : new DefaultHttpContent(data.content()));
    }

    /** The frontend took what it was given: the client may send as much again. */
    @Override
    public void read() {
        int bytes = unconsumed;
        if (bytes > 0) {
            unconsumed = 0;
            giveBack(bytes);
        }
    }

    private void giveBack(int bytes) {
        if (bytes == 0) {
            return;
        }
        try {
            if (connection.inbound().consumeBytes(stream, bytes)) {
                ctx.flush(); // a WINDOW_UPDATE was written
            }
        } catch (Http2Exception e) {
            reset(Http2Error.INTERNAL_ERROR); // window accounting gone wrong: this stream ends, not the connection
        }
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
        bytes.write(this, answer, promise);
        return promise;
    }

    @Override
    public ChannelFuture write(Object msg) {
        ChannelPromise promise = ctx.newPromise();
        write(msg, promise);
        return promise;
    }

    @Override
    public ChannelFuture writeAndFlush(Object msg) {
        ChannelFuture written = write(msg);
        flush();
        return written;
    }

    private void write(Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf empty && !empty.isReadable()) {
            // An empty write only waits for the writes before it; a stream's went to the connection already.
            empty.release();
            promise.setSuccess();
            return;
        }
        if (!(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new IllegalArgumentException("not an HTTP message: " + msg.getClass().getName()));
            return;
        }
        notes.note(msg);
        objects.write(this, (HttpObject) msg, promise);
    }

    ChannelFuture send(Http2StreamFrame frame) {
        ChannelPromise promise = ctx.newPromise();
        send(frame, promise);
        return promise;
    }

    /** A frame of this stream's answer to the codec; none once the stream is closed. */
    void send(Http2StreamFrame frame, ChannelPromise promise) {
        if (gone) {
            ReferenceCountUtil.release(frame);
            promise.setFailure(new ClosedChannelException());
            return;
        }
        if (frame instanceof Http2DataFrame data ? data.isEndStream() : ((Http2HeadersFrame) frame).isEndStream()) {
            answerEnd = promise;
        }
        ctx.write(frame.stream(frameStream), promise);
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public boolean isWritable() {
        return !gone && ctx.channel().isWritable() && connection.outbound().isWritable(stream);
    }

    @Override
    public ClientBytes bytes() {
        return this;
    }

    // ---- endings

    /** The stream was closed: the answer and the request are complete, or either side reset it, or the connection went. */
    void closed() {
        if (gone) {
            return;
        }
        gone = true;
        if (frontend.serving()) {
            ctx.executor().execute(frontend::closed);
        } else {
            frontend.closed();
        }
    }

    /** The connection was idle too long: the frontend lets go of a stream whose request stopped coming. */
    void idle(Object evt) {
        frontend.event(evt);
    }

    /** Resets the stream (when it is still open) and ends it here. */
    @Override
    public void close() {
        reset(Http2Error.CANCEL);
    }

    private void reset(Http2Error error) {
        if (gone) {
            return;
        }
        if (stream.state() != Http2Stream.State.CLOSED) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(error).stream(frameStream));
        }
        // The reset closes the stream in the codec (and calls closed()) unless it is closed already.
        if (!gone) {
            connection.forget(this);
            closed();
        }
    }

    /**
     * The answer was written whole (with END_STREAM): once it went out, a stream whose request is still open is ended
     * with RST_STREAM(NO_ERROR), which asks the client to stop sending without an error (RFC 9113, section 8.1).
     */
    @Override
    public void closeAfterAnswer() {
        closeWhileUploading(ctx.newSucceededFuture(), 0);
    }

    /** HTTP/2 needs no lingering: a reset of the stream takes nothing from the answer sent before it. */
    @Override
    public void closeWhileUploading(ChannelFuture answered, long lingerMillis) {
        answered.addListener(f -> {
            if (!f.isSuccess()) {
                reset(Http2Error.CANCEL);
            } else if (answerEnd == null) {
                reset(Http2Error.NO_ERROR);
            } else {
                // A reset now would drop what of the answer still waits for the client's window.
                answerEnd.addListener(end -> reset(end.isSuccess() ? Http2Error.NO_ERROR : Http2Error.CANCEL));
            }
        });
    }

    int id() {
        return stream.id();
    }

    @Override
    public EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public Channel connection() {
        return ctx.channel();
    }

    @Override
    public boolean stream() {
        return true;
    }
}
