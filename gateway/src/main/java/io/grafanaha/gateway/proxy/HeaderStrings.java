package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;

/**
 * The header names and values of one HTTP/2 connection's answers as {@link AnswerFrames} reads them from the
 * backends' bytes: a name Grafana and its proxies send is the one constant for it, in lower case, and a value the
 * same as the last one under that name on this connection is the same object again. Each header so costs no
 * allocation when it repeats (the content type, the server, the cache policy, the date within its second), and the
 * HPACK encoder finds the name's and value's hash codes already computed.
 *
 * <p>One per connection, used on its event loop only; the values kept are the last answer's, never a cookie or a
 * request id (which do not repeat, and a cookie is not to be held longer than its answer).
 */
final class HeaderStrings {
    private static final AsciiString[] KNOWN = {
        HttpHeaderNames.CONTENT_TYPE, HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.DATE, HttpHeaderNames.SERVER,
        HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.EXPIRES, HttpHeaderNames.PRAGMA, HttpHeaderNames.ETAG,
        HttpHeaderNames.LAST_MODIFIED, HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_RANGES, HttpHeaderNames.CONTENT_ENCODING,
        HttpHeaderNames.LOCATION, HttpHeaderNames.X_FRAME_OPTIONS, AsciiString.cached("x-content-type-options"),
        AsciiString.cached("x-xss-protection"), AsciiString.cached("strict-transport-security"),
        AsciiString.cached("content-security-policy"), HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN,
        HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
        HttpHeaderNames.SET_COOKIE, RequestIds.X_REQUEST_ID};
    /** Names whose values are not kept: they differ on every answer, and a cookie is a secret. */
    private static final AsciiString[] UNKEPT = {HttpHeaderNames.SET_COOKIE, RequestIds.X_REQUEST_ID};
    private static final int LONGEST = 32;
    /** Indexes into {@link #KNOWN} by name length. */
    private static final int[][] BY_LENGTH = byLength();

    private final AsciiString[] last = new AsciiString[KNOWN.length];

    /** The name between {@code from} and {@code to} in lower case (HTTP/2 wants no other, RFC 9113 §8.2.1). */
    AsciiString name(ByteBuf in, int from, int to) {
        int known = known(in, from, to);
        return known >= 0 ? KNOWN[known] : lowerCase(in, from, to);
    }

    /** The value of {@code name} (from {@link #name}) between {@code from} and {@code to}, without the whitespace around it. */
    AsciiString value(AsciiString name, ByteBuf in, int from, int to) {
        while (from < to && whitespace(in.getByte(from))) {
            from++;
        }
        while (to > from && whitespace(in.getByte(to - 1))) {
            to--;
        }
        int known = indexOf(name);
        if (known < 0) {
            return copy(in, from, to);
        }
        AsciiString kept = last[known];
        if (kept != null && same(kept, in, from, to)) {
            return kept;
        }
        AsciiString value = copy(in, from, to);
        if (!unkept(name)) {
            last[known] = value;
        }
        return value;
    }

    /** Where {@code name} is in {@link #KNOWN} when it is one of those constants, else -1. */
    private static int indexOf(AsciiString name) {
        if (name.length() > LONGEST) {
            return -1;
        }
        for (int candidate : BY_LENGTH[name.length()]) {
            if (KNOWN[candidate] == name) {
                return candidate;
            }
        }
        return -1;
    }

    private static int known(ByteBuf in, int from, int to) {
        int length = to - from;
        if (length <= 0 || length > LONGEST) {
            return -1;
        }
        for (int candidate : BY_LENGTH[length]) {
            if (sameIgnoringCase(KNOWN[candidate], in, from)) {
                return candidate;
            }
        }
        return -1;
    }

    /** {@code name} (lower case) against the bytes at {@code from}, in any case. */
    private static boolean sameIgnoringCase(AsciiString name, ByteBuf in, int from) {
        byte[] bytes = name.array();
        int offset = name.arrayOffset();
        for (int i = 0; i < name.length(); i++) {
            byte b = in.getByte(from + i);
            if (b >= 'A' && b <= 'Z') {
                b += 32;
            }
            if (b != bytes[offset + i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean same(AsciiString value, ByteBuf in, int from, int to) {
        if (value.length() != to - from) {
            return false;
        }
        byte[] bytes = value.array();
        int offset = value.arrayOffset();
        for (int i = 0; i < value.length(); i++) {
            if (in.getByte(from + i) != bytes[offset + i]) {
                return false;
            }
        }
        return true;
    }

    private static AsciiString lowerCase(ByteBuf in, int from, int to) {
        byte[] name = new byte[to - from];
        in.getBytes(from, name);
        for (int i = 0; i < name.length; i++) {
            byte b = name[i];
            if (b >= 'A' && b <= 'Z') {
                name[i] = (byte) (b + 32);
            }
        }
        return new AsciiString(name, false);
    }

    private static AsciiString copy(ByteBuf in, int from, int to) {
        byte[] value = new byte[to - from];
        in.getBytes(from, value);
        return new AsciiString(value, false);
    }

    private static boolean whitespace(byte b) {
        return b == ' ' || b == '\t';
    }

    private static boolean unkept(AsciiString name) {
        for (AsciiString u : UNKEPT) {
            if (u == name) {
                return true;
            }
        }
        return false;
    }

    private static int[][] byLength() {
        int[][] table = new int[LONGEST + 1][];
        for (int length = 0; length <= LONGEST; length++) {
            int n = 0;
            for (AsciiString name : KNOWN) {
                n += name.length() == length ? 1 : 0;
            }
            table[length] = new int[n];
            n = 0;
            for (int i = 0; i < KNOWN.length; i++) {
                if (KNOWN[i].length() == length) {
                    table[length][n++] = i;
                }
            }
        }
        return table;
    }
}
