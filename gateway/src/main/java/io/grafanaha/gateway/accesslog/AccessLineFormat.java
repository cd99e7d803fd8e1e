package io.grafanaha.gateway.accesslog;

import io.grafanaha.gateway.config.AccessLogConfig;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Turns an {@link AccessRecord} into its line, on the access log's own thread. JSON: one object a line, absent
 * optional fields left out. Combined: Apache/nginx's {@code combined} format, which log tools already parse,
 * followed by the gateway's own fields as {@code key=value} pairs.
 *
 * <p>An instance belongs to one writer thread: it appends into the caller's builder and keeps the last second's
 * time text, so a busy second formats its date once instead of once a line (the text is the same as
 * {@link Instant#toString()} and {@link #COMBINED_TIME} give).
 */
final class AccessLineFormat {
    private static final DateTimeFormatter COMBINED_TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final AccessLogConfig.Format format;
    private long cachedSecond = Long.MIN_VALUE;
    private String cachedTime;

    AccessLineFormat(AccessLogConfig.Format format) {
        this.format = format;
    }

    static String format(AccessRecord r, AccessLogConfig.Format format) {
        StringBuilder b = new StringBuilder(384);
        new AccessLineFormat(format).append(r, b);
        return b.toString();
    }

    static String json(AccessRecord r) {
        return format(r, AccessLogConfig.Format.JSON);
    }

    static String combined(AccessRecord r) {
        return format(r, AccessLogConfig.Format.COMBINED);
    }

    /** Appends {@code r}'s line (without its newline) to {@code b}, which must be empty. */
    void append(AccessRecord r, StringBuilder b) {
        if (format == AccessLogConfig.Format.COMBINED) {
            combined(r, b);
        } else {
            json(r, b);
        }
    }

    /** {@code Instant.ofEpochMilli(millis).toString()}: seconds, then {@code .SSS} unless the millisecond is 0, then Z. */
    private void isoTime(StringBuilder b, long millis) {
        long second = Math.floorDiv(millis, 1000);
        if (second != cachedSecond) {
            String whole = Instant.ofEpochSecond(second).toString();
            cachedTime = whole.substring(0, whole.length() - 1);
            cachedSecond = second;
        }
        b.append(cachedTime);
        int ms = (int) Math.floorMod(millis, 1000);
        if (ms != 0) {
            b.append('.').append((char) ('0' + ms / 100)).append((char) ('0' + ms / 10 % 10)).append((char) ('0' + ms % 10));
        }
        b.append('Z');
    }

    private String combinedTime(long millis) {
        long second = Math.floorDiv(millis, 1000);
        if (second != cachedSecond) {
            cachedTime = COMBINED_TIME.format(Instant.ofEpochSecond(second));
            cachedSecond = second;
        }
        return cachedTime;
    }

    private void json(AccessRecord r, StringBuilder b) {
        b.append("{\"time\":\"");
        isoTime(b, r.startMillis());
        b.append('"');
        field(b, "client", r.client());
        field(b, "user", r.user());
        field(b, "method", r.method());
        field(b, "path", QueryMask.mask(r.target()));
        field(b, "protocol", r.protocol());
        number(b, "status", r.status());
        number(b, "bytesIn", r.bytesIn());
        number(b, "bytesOut", r.bytesOut());
        b.append(",\"durationMs\":");
        fixed(b, r.durationNanos() / 1_000, 3);
        field(b, "backend", r.backend());
        number(b, "attempts", r.attempts());
        field(b, "retryCause", r.retryCause());
        field(b, "requestId", r.requestId());
        field(b, "traceId", r.traceId());
        field(b, "dashboardUid", r.dashboardUid());
        field(b, "panelId", r.panelId());
        field(b, "userAgent", r.userAgent());
        field(b, "referer", r.referer() == null ? null : QueryMask.mask(r.referer()));
        if (r.websocket()) {
            b.append(",\"websocket\":true");
        }
        b.append('}');
    }

    private void combined(AccessRecord r, StringBuilder b) {
        b.append(r.client()).append(" - ").append(r.user() == null ? "-" : clean(r.user()))
                .append(" [").append(combinedTime(r.startMillis())).append("] \"")
                .append(clean(r.method())).append(' ').append(clean(QueryMask.mask(r.target()))).append(' ').append(r.protocol())
                .append("\" ").append(r.status()).append(' ').append(r.bytesOut())
                .append(" \"").append(r.referer() == null ? "-" : clean(QueryMask.mask(r.referer()))).append("\" \"")
                .append(r.userAgent() == null ? "-" : clean(r.userAgent())).append('"');
        b.append(" rt=");
        fixed(b, r.durationNanos() / 1_000, 6);
        b
                .append(" backend=").append(r.backend())
                .append(" attempts=").append(r.attempts())
                .append(" retry=").append(r.retryCause() == null ? "-" : r.retryCause())
                .append(" in=").append(r.bytesIn())
                .append(" rid=").append(r.requestId() == null ? "-" : clean(r.requestId()))
                .append(" trace=").append(r.traceId() == null ? "-" : clean(r.traceId()))
                .append(" dash=").append(r.dashboardUid() == null ? "-" : clean(r.dashboardUid()))
                .append(" panel=").append(r.panelId() == null ? "-" : clean(r.panelId()));
        if (r.websocket()) {
            b.append(" ws=1");
        }
    }

    /**
     * {@code micros} as a decimal with {@code decimals} places ({@code 3}: milliseconds, {@code 6}: seconds), never in
     * the exponent notation {@code Double.toString} uses below 0.001 and from 10 million.
     */
    static void fixed(StringBuilder b, long micros, int decimals) {
        long unit = decimals == 3 ? 1_000 : 1_000_000;
        long whole = Math.max(0, micros) / unit;
        long fraction = Math.max(0, micros) % unit;
        b.append(whole).append('.');
        for (long place = unit / 10; place > 1 && fraction < place; place /= 10) {
            b.append('0'); // leading zeros of the fraction, without a String for its digits
        }
        b.append(fraction);
    }

    private static void number(StringBuilder b, String name, long value) {
        b.append(",\"").append(name).append("\":").append(value);
    }

    private static void field(StringBuilder b, String name, String value) {
        if (value == null) {
            return;
        }
        if (b.length() > 1) {
            b.append(',');
        }
        b.append('"').append(name).append("\":\"");
        int plain = 0; // characters before this index that need no escape are copied in one append
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f) {
                b.append(value, plain, i);
                plain = i + 1;
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    default -> b.append(String.format("\\u%04x", (int) c));
                }
            }
        }
        b.append(value, plain, value.length()).append('"');
    }

    /** A client-chosen value in a combined line: no quotes or control characters that could forge another field or line. */
    private static String clean(String value) {
        StringBuilder b = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f) {
                if (b == null) {
                    b = new StringBuilder(value.length() + 8).append(value, 0, i);
                }
                b.append(String.format("\\x%02x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? value : b.toString();
    }
}
