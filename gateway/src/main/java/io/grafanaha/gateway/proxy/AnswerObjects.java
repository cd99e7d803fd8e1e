package io.grafanaha.gateway.proxy;

import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.concurrent.PromiseCombiner;

/**
 * One HTTP/2 stream's answer when it is written as HTTP/1.1 objects (the gateway's own answers, interim answers,
 * heads and chunks relayed as objects): each becomes its frames on the stream. A whole answer (head and body in one
 * object) is a HEADERS and a DATA frame; trailers end the stream as a second HEADERS frame. An interim answer (100
 * Continue) is a HEADERS frame that does not end the stream, and the empty last chunk that follows a relayed one
 * ends nothing and is dropped. {@link AnswerFrames} does the same for an answer relayed as the backend's bytes.
 */
final class AnswerObjects {
    /** An interim head was written and its empty last chunk is still to come. */
    private boolean interim;

    /** The next object of the answer, as its frames. */
    void write(StreamClient out, HttpObject msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse head && interim(head)) {
            writeInterim(out, head, promise);
        } else if (msg instanceof HttpResponse head) {
            writeHead(out, head, promise);
        } else if (interim && msg instanceof LastHttpContent last) {
            interim = false;
            last.release();
            promise.setSuccess();
        } else if (msg instanceof LastHttpContent last) {
            writeLast(out, last, promise);
        } else {
            out.send(new DefaultHttp2DataFrame(((HttpContent) msg).content(), false), promise);
        }
    }

    /** 1xx but 101, whose switch of protocols HTTP/2 does not have: the final answer is still to come. */
    private static boolean interim(HttpResponse head) {
        int code = head.status().code();
        return code < 200 && code != 101;
    }

    private void writeInterim(StreamClient out, HttpResponse head, ChannelPromise promise) {
        Http2Headers headers = HttpConversionUtil.toHttp2Headers(head, true);
        if (head instanceof LastHttpContent whole) {
            whole.release(); // an interim answer has no body
        } else {
            interim = true;
        }
        out.send(new DefaultHttp2HeadersFrame(headers, false), promise);
    }

    private static void writeHead(StreamClient out, HttpResponse head, ChannelPromise promise) {
        Http2Headers headers = HttpConversionUtil.toHttp2Headers(head, true);
        if (!(head instanceof LastHttpContent whole)) {
            out.send(new DefaultHttp2HeadersFrame(headers, false), promise);
            return;
        }
        // The gateway's own answers come whole: head and body in one object.
        if (!whole.content().isReadable() && whole.trailingHeaders().isEmpty()) {
            whole.release();
            out.send(new DefaultHttp2HeadersFrame(headers, true), promise);
            return;
        }
        PromiseCombiner both = new PromiseCombiner(out.eventLoop());
        both.add(out.send(new DefaultHttp2HeadersFrame(headers, false)));
        writeLast(out, whole, both);
        both.finish(promise);
    }

    private static void writeLast(StreamClient out, LastHttpContent last, ChannelPromise promise) {
        if (last.trailingHeaders().isEmpty()) {
            out.send(new DefaultHttp2DataFrame(last.content(), true), promise);
            return;
        }
        PromiseCombiner both = new PromiseCombiner(out.eventLoop());
        writeLast(out, last, both);
        both.finish(promise);
    }

    /** The last chunk's bytes (when it has any) and then its trailers, which end the stream. */
    private static void writeLast(StreamClient out, LastHttpContent last, PromiseCombiner into) {
        boolean trailers = !last.trailingHeaders().isEmpty();
        if (last.content().isReadable() || !trailers) {
            into.add(out.send(new DefaultHttp2DataFrame(last.content(), !trailers)));
        } else {
            last.content().release();
        }
        if (trailers) {
            into.add(out.send(new DefaultHttp2HeadersFrame(HttpConversionUtil.toHttp2Headers(last.trailingHeaders(), true), true)));
        }
    }
}
