package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.CharsetUtil;
import java.util.Map;

/**
 * What bytes the backend gets for a request head: the head {@link HeaderPolicy#toBackend} prepared, written as
 * Netty's request encoder writes it (request line with the target in UTF-8, each header as {@code name: value} in
 * US-ASCII, in order, then the empty line), so a request sent as bytes and one sent as objects look the same to
 * Grafana. Only for a request whose head is the whole request ({@link #endsRequest}): the encoder tracks a body's
 * framing from the head it encoded, so a body still goes with a head written as an object.
 */
final class RequestHeadWriter {
    private static final int CRLF = ('\r' << 8) | '\n';
    private static final int COLON_SPACE = (':' << 8) | ' ';

    private RequestHeadWriter() {}

    /**
     * The head says no body follows (no Content-Length or 0, not chunked), and its target is in origin form (the
     * encoder adds a slash to an absolute-form target without a path; {@link RequestTarget} leaves none, but a
     * target this class would write differently goes as an object).
     */
    static boolean endsRequest(HttpRequest head) {
        String length = head.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        return (length == null || length.equals("0")) && !HttpUtil.isTransferEncodingChunked(head)
                && head.uri().startsWith("/");
    }

    static ByteBuf write(HttpRequest head, ByteBufAllocator alloc) {
        HttpHeaders headers = head.headers();
        String method = head.method().name();
        String uri = head.uri();
        ByteBuf buf = alloc.buffer(estimate(method, uri, headers));
        buf.writeCharSequence(method, CharsetUtil.US_ASCII);
        buf.writeByte(' ');
        buf.writeCharSequence(uri, CharsetUtil.UTF_8);
        buf.writeByte(' ');
        buf.writeCharSequence(head.protocolVersion().text(), CharsetUtil.US_ASCII);
        buf.writeShort(CRLF);
        for (var it = headers.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            buf.writeCharSequence(header.getKey(), CharsetUtil.US_ASCII);
            buf.writeShort(COLON_SPACE);
            buf.writeCharSequence(header.getValue(), CharsetUtil.US_ASCII);
            buf.writeShort(CRLF);
        }
        buf.writeShort(CRLF);
        return buf;
    }

    /** One allocation for the usual head: a target with a few multi-byte characters may make the buffer grow once. */
    private static int estimate(String method, String uri, HttpHeaders headers) {
        int size = method.length() + uri.length() + 16;
        for (var it = headers.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            size += header.getKey().length() + header.getValue().length() + 4;
        }
        return size;
    }
}
