package io.grafanaha.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C Trace Context ({@code traceparent}, {@code tracestate}) toward the backend, so Grafana's own traces
 * join the caller's. A valid incoming {@code traceparent} is continued as a child: same trace id, the
 * gateway's own span id as the new parent, the sampled flag kept, {@code tracestate} passed on. An absent
 * or invalid one starts a new trace (version 00, sampled) and any {@code tracestate} is dropped, as the
 * specification requires. This is the path with the span export off; with it on, {@link Tracing} lets the
 * OpenTelemetry SDK start the gateway's span and write the header from it, by the same rules.
 */
final class TraceContext {
    static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    static final AsciiString TRACESTATE = AsciiString.cached("tracestate");
    /** {@code version "-" trace-id "-" parent-id "-" flags}: 2 + 1 + 32 + 1 + 16 + 1 + 2. */
    private static final int LENGTH = 55;
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private TraceContext() {}

    /** Rewrites {@code headers}' trace context into what the backend should see. */
    static void toBackend(HttpHeaders headers) {
        String incoming = headers.get(TRACEPARENT);
        // Bytes wrapped as an AsciiString: the encoder copies them out as they are, with no String in between.
        byte[] out = new byte[LENGTH];
        out[0] = '0';
        out[1] = '0';
        out[2] = '-';
        out[35] = '-';
        out[52] = '-';
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (valid(incoming)) {
            for (int i = 3; i < 35; i++) {
                out[i] = (byte) incoming.charAt(i); // hex digits: valid() checked
            }
            out[53] = '0';
            out[54] = (byte) ((hex(incoming.charAt(54)) & 1) == 1 ? '1' : '0');
        } else {
            headers.remove(TRACESTATE);
            long high;
            long low;
            do {
                high = random.nextLong();
                low = random.nextLong();
            } while (high == 0 && low == 0);
            hex(high, out, 3);
            hex(low, out, 19);
            out[53] = '0';
            out[54] = '1';
        }
        long span;
        do {
            span = random.nextLong();
        } while (span == 0);
        hex(span, out, 36);
        headers.set(TRACEPARENT, new AsciiString(out, false));
    }

    /**
     * Whether {@code value} is a {@code traceparent} this gateway may continue: lower-case hex fields of
     * the right lengths, a version other than {@code ff}, a trace id and parent id not all zeros; version 00
     * is exactly 55 characters, a later version may append fields after a dash.
     */
    static boolean valid(String value) {
        if (value == null || value.length() < LENGTH) {
            return false;
        }
        if (value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-') {
            return false;
        }
        if (!hexRun(value, 0, 2) || !hexRun(value, 3, 35) || !hexRun(value, 36, 52) || !hexRun(value, 53, 55)) {
            return false;
        }
        boolean version00 = value.charAt(0) == '0' && value.charAt(1) == '0';
        if (version00 ? value.length() != LENGTH : value.length() > LENGTH && value.charAt(LENGTH) != '-') {
            return false;
        }
        if (value.charAt(0) == 'f' && value.charAt(1) == 'f') {
            return false;
        }
        return !zeros(value, 3, 35) && !zeros(value, 36, 52);
    }

    private static boolean hexRun(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (hex(s.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean zeros(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    /** The value of a lower-case hex digit, or -1 (upper case is invalid in traceparent). */
    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    }

    private static void hex(long value, byte[] out, int at) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) (value & 0xf)];
            value >>>= 4;
        }
    }
}
