package io.grafanaha.gateway.proxy;

import io.netty.util.AsciiString;

/**
 * What the two head scanners ({@link RequestHeadParser}, {@link ResponseHeadParser}) ask of a head's bytes alike: is
 * this byte a token character, and do these bytes spell that lower-case name in any case.
 */
final class HeadBytes {
    /** RFC 9110 tchar, by byte value (a table: every header name of every head is scanned). */
    private static final boolean[] TOKEN = new boolean[256];

    static {
        for (int b = '!'; b < 0x7f; b++) {
            TOKEN[b] = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
        }
    }

    private HeadBytes() {
    }

    static boolean token(byte b) {
        return TOKEN[b & 0xff];
    }

    /** Whether {@code in}'s bytes from {@code start} to {@code end} are {@code lower} (a lower-case name), ignoring case. */
    static boolean spell(byte[] in, int start, int end, AsciiString lower) {
        if (end - start != lower.length()) {
            return false;
        }
        for (int i = 0; i < lower.length(); i++) {
            byte b = in[start + i];
            if ((b >= 'A' && b <= 'Z' ? b + 32 : b) != lower.byteAt(i)) {
                return false;
            }
        }
        return true;
    }
}
