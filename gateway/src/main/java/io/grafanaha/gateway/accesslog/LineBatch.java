package io.grafanaha.gateway.accesslog;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The writer's reusable buffer of lines as UTF-8, which {@link AccessLineFormat} writes into directly: each value's
 * characters are checked, escaped and encoded in one pass, numbers go in as digits, fixed text as prepared bytes. No
 * String, builder or char[] stands between a record and its bytes (an intermediate builder and its copy into bytes
 * cost about a third of the writer thread's user time, bench/README.md "The access log written as bytes").
 */
final class LineBatch {
    /** How a value's characters are written; every one encodes as UTF-8, a lone surrogate as {@code ?}. */
    enum Escape {
        /** Gateway-made text (addresses, backend names, the protocol), written as it is. */
        NONE,
        /** Inside a JSON string: a backslash before quotes and backslashes, a {@code u} escape for controls. */
        JSON,
        /** Client-chosen text in a combined line: {@code \xNN} for quotes, backslashes and control characters. */
        COMBINED
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private byte[] bytes;
    private int length;

    LineBatch(int capacity) {
        bytes = new byte[capacity];
    }

    byte[] bytes() {
        return bytes;
    }

    int length() {
        return length;
    }

    /** The bytes from {@code from} on as text (for tests and one-off lines). */
    String text(int from) {
        return new String(bytes, from, length - from, StandardCharsets.UTF_8);
    }

    /** Prepared ASCII bytes, copied as they are. */
    LineBatch put(byte[] ascii) {
        ensure(length + ascii.length);
        System.arraycopy(ascii, 0, bytes, length, ascii.length);
        length += ascii.length;
        return this;
    }

    /** One ASCII character. */
    LineBatch put(char ascii) {
        ensure(length + 1);
        bytes[length++] = (byte) ascii;
        return this;
    }

    /** {@code value} in decimal. */
    LineBatch number(long value) {
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                return put(Long.toString(value).getBytes(StandardCharsets.US_ASCII));
            }
            put('-');
            value = -value;
        }
        ensure(length + 19);
        int digits = 1;
        for (long rest = value / 10; rest > 0; rest /= 10) {
            digits++;
        }
        int at = length + digits;
        length = at;
        do {
            bytes[--at] = (byte) ('0' + value % 10);
            value /= 10;
        } while (value > 0);
        return this;
    }

    /** {@code value}'s characters as UTF-8, escaped as {@code escape} says. */
    LineBatch text(String value, Escape escape) {
        int n = value.length();
        ensure(length + n * 6); // the longest form of one char: a JSON escape of six
        byte[] b = bytes;
        int at = length;
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                if (escape != Escape.NONE && (c < 0x20 || c == 0x7f || c == '"' || c == '\\')) {
                    at = escaped(b, at, c, escape);
                } else {
                    b[at++] = (byte) c;
                }
            } else if (c < 0x800) {
                b[at++] = (byte) (0xc0 | c >> 6);
                b[at++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, value.charAt(++i));
                b[at++] = (byte) (0xf0 | cp >> 18);
                b[at++] = (byte) (0x80 | cp >> 12 & 0x3f);
                b[at++] = (byte) (0x80 | cp >> 6 & 0x3f);
                b[at++] = (byte) (0x80 | cp & 0x3f);
            } else if (Character.isSurrogate(c)) {
                b[at++] = '?';
            } else {
                b[at++] = (byte) (0xe0 | c >> 12);
                b[at++] = (byte) (0x80 | c >> 6 & 0x3f);
                b[at++] = (byte) (0x80 | c & 0x3f);
            }
        }
        length = at;
        return this;
    }

    private static int escaped(byte[] b, int at, char c, Escape escape) {
        b[at++] = '\\';
        if (escape == Escape.COMBINED) {
            b[at++] = 'x';
        } else if (c == '"' || c == '\\') {
            b[at++] = (byte) c;
            return at;
        } else {
            b[at++] = 'u';
            b[at++] = '0';
            b[at++] = '0';
        }
        b[at++] = HEX[c >> 4];
        b[at++] = HEX[c & 0xf];
        return at;
    }

    /** Ends the line being written. */
    void endLine() {
        put('\n');
    }

    /** Forgets the first {@code count} bytes, keeping the rest at the front. */
    void dropFirst(int count) {
        System.arraycopy(bytes, count, bytes, 0, length - count);
        length -= count;
    }

    void clear() {
        length = 0;
    }

    private void ensure(int capacity) {
        if (capacity > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(capacity, bytes.length * 2));
        }
    }
}
