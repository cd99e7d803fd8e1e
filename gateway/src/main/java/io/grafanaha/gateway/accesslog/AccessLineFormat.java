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
 */
final class AccessLineFormat {
    private static final DateTimeFormatter COMBINED_TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private AccessLineFormat() {}

    static String format(AccessRecord r, AccessLogConfig.Format format) {
        return format == AccessLogConfig.Format.COMBINED ? combined(r) : json(r);
    }

    static String json(AccessRecord r) {
        StringBuilder b = new StringBuilder(384).append('{');
        field(b, "time", Instant.ofEpochMilli(r.startMillis()).toString());
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
        return b.append('}').toString();
    }

    static String combined(AccessRecord r) {
        StringBuilder b = new StringBuilder(384);
        b.append(r.client()).append(" - ").append(r.user() == null ? "-" : clean(r.user()))
                .append(" [").append(COMBINED_TIME.format(Instant.ofEpochMilli(r.startMillis()))).append("] \"")
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
        return b.toString();
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
        String digits = Long.toString(fraction);
        for (int i = digits.length(); i < decimals; i++) {
            b.append('0');
        }
        b.append(digits);
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
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
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
