package io.grafanaha.gateway.proxy;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * Reads a client's request head in place and answers one question: is this an ordinary bodiless request that the
 * strict decoder would accept, read the same way? If so it returns the request Netty's decoder would have made (same
 * method, target, version, and header names and values in order, values trimmed of OWS); if not, null, and the
 * {@link StrictRequestDecoder} reads the same bytes instead, with every rejection it makes today. So this class only
 * recognises the clean case and never judges a doubtful one: {@code METHOD SP /target SP HTTP/1.1} (or 1.0) with a
 * common method and a target of visible ASCII, header lines of token names and values of visible ASCII, space and tab,
 * every line ending in CRLF (no folding), no Transfer-Encoding, Upgrade or Hixie WebSocket key, at most one
 * Content-Length and that one {@code 0}, and sizes within the decoder's limits.
 */
final class RequestHeadParser {
    /**
     * Validation would only repeat what the scan below proved (token names, values without control bytes); later
     * headers are the gateway's own, from values it checks itself.
     */
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    private static final HttpMethod[] METHODS = {
        HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.HEAD, HttpMethod.OPTIONS,
        HttpMethod.PATCH};
    private static final byte[] VERSION = {'H', 'T', 'T', 'P', '/', '1', '.'};
    /** Headers that mean a body, or a request the decoder frames in its own way: those heads go to it. */
    private static final AsciiString[] DECLINED = {
        HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE, HttpHeaderNames.SEC_WEBSOCKET_KEY1,
        HttpHeaderNames.SEC_WEBSOCKET_KEY2};
    /**
     * Names most requests carry, spelt as clients send them: shared instead of copied when a line has exactly these
     * bytes (the name keeps the client's spelling either way, as Netty's decoder keeps it).
     */
    private static final AsciiString[] COMMON = names("Host", "User-Agent", "Accept", "Accept-Encoding",
            "Accept-Language", "Cookie", "Connection", "Referer", "Origin", "Cache-Control", "Pragma", "Content-Type",
            "Content-Length", "Authorization", "If-None-Match", "If-Modified-Since", "X-Grafana-Org-Id",
            "X-Grafana-Device-Id", "X-Dashboard-Uid", "X-Datasource-Uid", "X-Panel-Id", "X-Plugin-Id",
            "X-Requested-With", "X-Forwarded-For", "X-Request-Id", "Sec-Fetch-Dest", "Sec-Fetch-Mode",
            "Sec-Fetch-Site", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "traceparent", "tracestate");

    private final byte[] in;
    private final int end;

    private RequestHeadParser(byte[] in, int end) {
        this.in = in;
        this.end = end;
    }

    /**
     * The request in {@code head}'s first {@code length} bytes (up to just past its empty line), or null when it is
     * not an ordinary one.
     */
    static HttpRequest parse(byte[] head, int length) {
        return new RequestHeadParser(head, length).read();
    }

    private HttpRequest read() {
        int methodEnd = token(0);
        HttpMethod method = method(methodEnd);
        if (method == null || in[methodEnd] != ' ' || in[methodEnd + 1] != '/') {
            return null;
        }
        int targetStart = methodEnd + 1;
        int targetEnd = targetStart;
        while (targetEnd < end && in[targetEnd] > ' ' && in[targetEnd] < 0x7f) {
            targetEnd++;
        }
        int lineEnd = targetEnd + 1 + VERSION.length + 1; // just past the version's last digit
        if (lineEnd + 1 >= end || lineEnd >= FramingValidator.MAX_REQUEST_LINE || in[targetEnd] != ' ') {
            return null;
        }
        HttpVersion version = version(targetEnd + 1);
        if (version == null || in[lineEnd] != '\r' || in[lineEnd + 1] != '\n') {
            return null;
        }
        HttpHeaders headers = HEADERS.newHeaders();
        if (!headers(lineEnd + 2, headers)) {
            return null;
        }
        String target = new String(in, targetStart, targetEnd - targetStart, StandardCharsets.ISO_8859_1);
        return new DefaultHttpRequest(version, method, target, headers);
    }

    /** The header lines from {@code start} to the empty line, added to {@code headers}; false if one is not ordinary. */
    private boolean headers(int start, HttpHeaders headers) {
        int lengths = 0;
        int size = 0;
        int lineStart = start;
        while (true) {
            if (lineStart + 1 >= end) {
                return false;
            }
            if (in[lineStart] == '\r') {
                return in[lineStart + 1] == '\n' && lineStart + 2 == end;
            }
            int colon = token(lineStart);
            if (colon == lineStart || colon >= end || in[colon] != ':') {
                return false;
            }
            int cr = colon + 1;
            while (cr < end && (in[cr] >= ' ' && in[cr] < 0x7f || in[cr] == '\t')) {
                cr++;
            }
            if (cr + 1 >= end || in[cr] != '\r' || in[cr + 1] != '\n') {
                return false;
            }
            size += cr - lineStart;
            if (size >= FramingValidator.MAX_HEADER_SECTION) {
                return false;
            }
            int valueStart = colon + 1;
            int valueEnd = cr;
            while (valueStart < valueEnd && blank(in[valueStart])) {
                valueStart++;
            }
            while (valueEnd > valueStart && blank(in[valueEnd - 1])) {
                valueEnd--;
            }
            if (HeadBytes.spell(in, lineStart, colon, HttpHeaderNames.CONTENT_LENGTH)) {
                if (++lengths > 1 || valueEnd - valueStart != 1 || in[valueStart] != '0') {
                    return false; // a body, or lengths to reconcile: the decoder's
                }
            } else if (declined(lineStart, colon)) {
                return false;
            }
            String value = valueEnd == valueStart ? "" : new String(in, valueStart, valueEnd - valueStart, StandardCharsets.ISO_8859_1);
            headers.add(name(lineStart, colon), value);
            lineStart = cr + 2;
        }
    }

    private boolean declined(int start, int end) {
        for (AsciiString name : DECLINED) {
            if (HeadBytes.spell(in, start, end, name)) {
                return true;
            }
        }
        return false;
    }

    /** A common name's shared instance when the bytes are exactly its spelling, else a copy of the bytes. */
    private AsciiString name(int start, int end) {
        int length = end - start;
        for (AsciiString common : COMMON) {
            if (common.length() == length && common.byteAt(0) == in[start] && same(start, common)) {
                return common;
            }
        }
        return new AsciiString(in, start, length, true);
    }

    /** Whether {@code name} is at {@code start}, its first byte being known to match. */
    private boolean same(int start, AsciiString name) {
        for (int i = 1; i < name.length(); i++) {
            if (in[start + i] != name.byteAt(i)) {
                return false;
            }
        }
        return true;
    }

    private HttpMethod method(int methodEnd) {
        for (HttpMethod method : METHODS) {
            AsciiString name = method.asciiName();
            if (name.length() == methodEnd && in[0] == name.byteAt(0) && same(0, name)) {
                return method;
            }
        }
        return null;
    }

    /** {@code HTTP/1.1} or {@code HTTP/1.0} at {@code start}, or null. */
    private HttpVersion version(int start) {
        for (int i = 0; i < VERSION.length; i++) {
            if (in[start + i] != VERSION[i]) {
                return null;
            }
        }
        byte minor = in[start + VERSION.length];
        return minor == '1' ? HttpVersion.HTTP_1_1 : minor == '0' ? HttpVersion.HTTP_1_0 : null;
    }

    /** Just past the token starting at {@code start} (at {@code start} when there is none). */
    private int token(int start) {
        int i = start;
        while (i < end && HeadBytes.token(in[i])) {
            i++;
        }
        return i;
    }

    private static boolean blank(byte b) {
        return b == ' ' || b == '\t';
    }

    private static AsciiString[] names(String... names) {
        AsciiString[] out = new AsciiString[names.length];
        for (int i = 0; i < names.length; i++) {
            out[i] = AsciiString.cached(names[i]);
        }
        return out;
    }
}
