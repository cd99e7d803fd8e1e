package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * A backend's final response head as bytes ({@link ResponseFramer}): its status line and the header lines that may
 * reach the client, the hop-by-hop ones and {@code X-Request-Id} already left out, and not yet ended. The client's
 * side adds its own lines ({@link #add}) and the framing the client needs ({@link #end}), then writes the bytes as
 * they are. The parsed view is only what the proxy decides by: the status, the body's framing, the connection's reuse.
 */
final class RawResponseHead extends DefaultByteBufHolder {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] COLON = {':', ' '};

    private final int status;
    /** The body's length: 0 when there is none (HEAD, 204, 304), -1 when it is chunked. */
    private final long length;
    private final boolean keepAlive;

    /**
     * @param lines     the status line and the kept header lines, each ending in CRLF, without the empty line
     * @param length    the body's length, 0 for none, -1 when it is chunked (relayed as received, chunk framing included)
     * @param keepAlive the backend keeps the connection open after this response
     */
    RawResponseHead(ByteBuf lines, int status, long length, boolean keepAlive) {
        super(lines);
        this.status = status;
        this.length = length;
        this.keepAlive = keepAlive;
    }

    int status() {
        return status;
    }

    /** The body's length: 0 when there is none, -1 when it is chunked. */
    long length() {
        return length;
    }

    boolean keepAlive() {
        return keepAlive;
    }

    /** Adds a header line (an ASCII value: cookies and request ids are). */
    void add(AsciiString name, CharSequence value) {
        ByteBuf out = content();
        out.writeBytes(name.array(), name.arrayOffset(), name.length());
        out.writeBytes(COLON);
        out.writeCharSequence(value, StandardCharsets.ISO_8859_1);
        out.writeBytes(CRLF);
    }

    /**
     * Ends the head for an HTTP/1.1 client: a chunked body keeps its Transfer-Encoding (an answer without a body, to
     * HEAD or a 204 or 304, loses it, as on the object path), and a connection that will close says so.
     */
    ByteBuf end(boolean keepClient) {
        if (length < 0) {
            add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (!keepClient) {
            add(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return content().writeBytes(CRLF);
    }
}
