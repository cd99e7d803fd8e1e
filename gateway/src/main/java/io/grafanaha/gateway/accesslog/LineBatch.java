package io.grafanaha.gateway.accesslog;

import java.util.Arrays;

/**
 * The writer's reusable buffer of lines as UTF-8, filled from a builder without a String or byte[] per line.
 */
final class LineBatch {
    private byte[] bytes;
    private int length;
    private char[] chars = new char[512];

    LineBatch(int capacity) {
        bytes = new byte[capacity];
    }

    byte[] bytes() {
        return bytes;
    }

    int length() {
        return length;
    }

    /** Appends {@code line} as UTF-8 and a newline (a lone surrogate becomes {@code ?}, as String.getBytes does). */
    void addLine(StringBuilder line) {
        int n = line.length();
        ensure(length + n * 3 + 1);
        if (chars.length < n) {
            chars = new char[Math.max(n, chars.length * 2)];
        }
        line.getChars(0, n, chars, 0); // one bulk copy: charAt through the interface cost more than the encoding
        char[] cs = chars;
        byte[] b = bytes;
        int at = length;
        for (int i = 0; i < n; i++) {
            char c = cs[i];
            if (c < 0x80) {
                b[at++] = (byte) c;
            } else if (c < 0x800) {
                b[at++] = (byte) (0xc0 | c >> 6);
                b[at++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(cs[i + 1])) {
                int cp = Character.toCodePoint(c, cs[++i]);
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
        b[at++] = '\n';
        length = at;
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
