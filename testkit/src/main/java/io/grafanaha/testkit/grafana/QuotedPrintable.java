package io.grafanaha.testkit.grafana;

import java.io.ByteArrayOutputStream;
import java.util.Optional;

/**
 * Go's {@code mime/quotedprintable} reader over one header value, as Grafana's {@code util.DecodeQuotedPrintable}
 * runs it for {@code [auth.proxy] headers_encoded} (testkit/AUTH-PROXY.md): {@code =XX} (upper or lower case hex)
 * is a byte, trailing blanks are dropped, and an invalid escape or an unescaped byte outside printable ASCII (tab
 * allowed) is an error, on which the caller keeps the value as it came.
 */
final class QuotedPrintable {
    private QuotedPrintable() {}

    static Optional<byte[]> decode(byte[] value) {
        int end = value.length;
        while (end > 0 && (value[end - 1] == ' ' || value[end - 1] == '\t')) {
            end--;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(end);
        for (int i = 0; i < end; i++) {
            int b = value[i] & 0xff;
            if (b == '=') {
                if (i + 2 >= end) {
                    return Optional.empty(); // a soft line break has no place in a one-line value
                }
                int hi = hex(value[i + 1]);
                int lo = hex(value[i + 2]);
                if (hi < 0 || lo < 0) {
                    return Optional.empty();
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if ((b < ' ' || b > '~') && b != '\t') {
                return Optional.empty();
            } else {
                out.write(b);
            }
        }
        return Optional.of(out.toByteArray());
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10; // Go accepts badly encoded lower case
        }
        return -1;
    }
}
