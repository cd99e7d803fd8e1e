package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;

/**
 * Reads a backend's response head in place and answers one question: is this an ordinary final response whose
 * framing is beyond doubt? If so it returns the head as bytes ({@link RawResponseHead}) with the hop-by-hop lines and
 * {@code X-Request-Id} left out; if not, null, and the strict object decoder reads the same bytes instead, with every
 * rejection it makes today. So this class only needs to recognise the clean case, never to judge the doubtful one:
 * HTTP/1.1, a status from 200 to 599, header lines of token names and visible values ending in CRLF (no folding),
 * at most one Content-Length of digits or one {@code Transfer-Encoding: chunked} (never both), a Connection header of
 * {@code close}/{@code keep-alive} only, and a body whose end is known (a length, chunks, or none: HEAD, 204, 304).
 */
final class ResponseHeadParser {
    /** Headers that stop at the gateway (RFC 9110 §7.6.1), and the request id the gateway sets itself. */
    private static final AsciiString[] DROPPED = {
        HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_CONNECTION, HttpHeaderNames.TE,
        HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
        HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, RequestIds.X_REQUEST_ID};
    private static final AsciiString CLOSE = AsciiString.cached("close");
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    private static final AsciiString CHUNKED = AsciiString.cached("chunked");
    private static final byte[] VERSION = {'H', 'T', 'T', 'P', '/', '1', '.', '1', ' '};
    /** Room for the lines the client's side adds (cookies, request id, framing). */
    private static final int ADDED = 256;

    /** The head's bytes, copied out of the connection's buffer: scanned as an array, not byte by byte through it. */
    private final byte[] in;
    private int lengths;
    private long contentLength = -1;
    private int encodings;
    private boolean close;

    private ResponseHeadParser(byte[] in) {
        this.in = in;
    }

    /**
     * The head in {@code head}'s first {@code length} bytes (up to just past its empty line), or null when it is not an
     * ordinary response the byte path may relay. {@code headRequest}: the request was HEAD, so no body follows.
     */
    static RawResponseHead parse(byte[] head, int length, boolean headRequest, ByteBufAllocator alloc) {
        return new ResponseHeadParser(head).read(length, headRequest, alloc);
    }

    private RawResponseHead read(int end, boolean headRequest, ByteBufAllocator alloc) {
        int status = status(end);
        if (status < 0) {
            return null;
        }
        ByteBuf out = alloc.buffer(end + ADDED);
        int lineStart = lineFeed(0, end) + 1;
        // Kept lines go out in runs: one copy for the status line and every kept header line that follows it.
        int keptFrom = 0;
        while (lineStart < end - 2) {
            int lineEnd = lineFeed(lineStart, end) + 1;
            int keep = header(lineStart, lineEnd - 2);
            if (keep < 0) {
                out.release();
                return null;
            }
            if (keep == 0) {
                out.writeBytes(in, keptFrom, lineStart - keptFrom);
                keptFrom = lineEnd;
            }
            lineStart = lineEnd;
        }
        out.writeBytes(in, keptFrom, lineStart - keptFrom);
        boolean chunked = encodings == 1;
        boolean bodyless = headRequest || status == 204 || status == 304;
        if (lengths > 1 || encodings > 1 || (chunked && lengths > 0) || (!chunked && contentLength < 0 && !bodyless)) {
            out.release(); // doubtful, or a body that ends with the connection: the object path frames those
            return null;
        }
        long length = bodyless ? 0 : chunked ? -1 : contentLength;
        return new RawResponseHead(out, status, length, !close);
    }

    /** The next LF at or after {@code from}, before {@code end} (the head ends in one, so there is always one). */
    private int lineFeed(int from, int end) {
        for (int i = from; i < end; i++) {
            if (in[i] == '\n') {
                return i;
            }
        }
        return end - 1;
    }

    /** The status of an {@code HTTP/1.1 NNN reason} line ending in CRLF, or -1. */
    private int status(int end) {
        int start = 0;
        int lf = lineFeed(start, end);
        if (lf - start < VERSION.length + 3 + 1 || in[lf - 1] != '\r') {
            return -1;
        }
        for (int i = 0; i < VERSION.length; i++) {
            if (in[start + i] != VERSION[i]) {
                return -1;
            }
        }
        int code = 0;
        for (int i = start + VERSION.length; i < start + VERSION.length + 3; i++) {
            byte b = in[i];
            if (b < '0' || b > '9') {
                return -1;
            }
            code = code * 10 + (b - '0');
        }
        int after = start + VERSION.length + 3;
        if (code < 200 || code > 599 || (after < lf - 1 && (in[after] != ' ' || !visible(after + 1, lf - 1)))) {
            return -1;
        }
        return code;
    }

    /** One header line without its CRLF: 1 to keep it, 0 to drop it, -1 when it is not an ordinary one. */
    private int header(int start, int end) {
        if (in[end] != '\r') {
            return -1;
        }
        int colon = start;
        while (colon < end && HeadBytes.token(in[colon])) {
            colon++;
        }
        if (colon == start || colon == end || in[colon] != ':' || !visible(colon + 1, end)) {
            return -1;
        }
        int valueStart = colon + 1;
        int valueEnd = end;
        while (valueStart < valueEnd && blank(in[valueStart])) {
            valueStart++;
        }
        while (valueEnd > valueStart && blank(in[valueEnd - 1])) {
            valueEnd--;
        }
        if (HeadBytes.spell(in, start, colon, HttpHeaderNames.CONTENT_LENGTH)) {
            lengths++;
            contentLength = digits(valueStart, valueEnd);
            return contentLength < 0 ? -1 : 1;
        }
        for (AsciiString dropped : DROPPED) {
            if (HeadBytes.spell(in, start, colon, dropped)) {
                return dropped(dropped, valueStart, valueEnd);
            }
        }
        return 1;
    }

    private int dropped(AsciiString name, int valueStart, int valueEnd) {
        if (name == HttpHeaderNames.TRANSFER_ENCODING) {
            encodings++;
            return HeadBytes.spell(in, valueStart, valueEnd, CHUNKED) ? 0 : -1;
        }
        if (name == HttpHeaderNames.CONNECTION) {
            return connection(valueStart, valueEnd) ? 0 : -1;
        }
        return 0;
    }

    /** A Connection value of close and keep-alive tokens only (any other names a header to drop: the object path does). */
    private boolean connection(int start, int end) {
        int i = start;
        while (i <= end) {
            int tokenEnd = i;
            while (tokenEnd < end && in[tokenEnd] != ',') {
                tokenEnd++;
            }
            int s = i;
            int e = tokenEnd;
            while (s < e && blank(in[s])) {
                s++;
            }
            while (e > s && blank(in[e - 1])) {
                e--;
            }
            if (HeadBytes.spell(in, s, e, CLOSE)) {
                close = true;
            } else if (!HeadBytes.spell(in, s, e, KEEP_ALIVE)) {
                return false;
            }
            i = tokenEnd + 1;
        }
        return true;
    }

    /** Digits only, at most 18 of them (as the request side allows), or -1. */
    private long digits(int start, int end) {
        if (end == start || end - start > 18) {
            return -1;
        }
        long value = 0;
        for (int i = start; i < end; i++) {
            byte b = in[i];
            if (b < '0' || b > '9') {
                return -1;
            }
            value = value * 10 + (b - '0');
        }
        return value;
    }

    /** Field content: visible ASCII, obs-text, space and tab; no control character (CR, LF, NUL among them). */
    private boolean visible(int start, int end) {
        for (int i = start; i < end; i++) {
            byte b = in[i];
            if ((b >= 0 && b < ' ' && b != '\t') || b == 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static boolean blank(byte b) {
        return b == ' ' || b == '\t';
    }
}
