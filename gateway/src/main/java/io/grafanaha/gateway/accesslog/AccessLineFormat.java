package io.grafanaha.gateway.accesslog;

import io.grafanaha.gateway.accesslog.LineBatch.Escape;
import io.grafanaha.gateway.config.AccessLogConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Writes an {@link AccessRecord}'s line as UTF-8 into a {@link LineBatch}, on the access log's own thread. JSON: one
 * object a line, absent optional fields left out. Combined: Apache/nginx's {@code combined} format, which log tools
 * already parse, followed by the gateway's own fields as {@code key=value} pairs.
 *
 * <p>An instance belongs to one writer thread: it writes into the caller's batch and keeps the last second's
 * time text, so a busy second formats its date once instead of once a line (the text is the same as
 * {@link Instant#toString()} and {@link #COMBINED_TIME} give).
 */
final class AccessLineFormat {
    private static final DateTimeFormatter COMBINED_TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final byte[] JSON_START = ascii("{\"time\":\"");
    private static final byte[] DURATION_MS = ascii(",\"durationMs\":");
    private static final byte[] WEBSOCKET_JSON = ascii(",\"websocket\":true");
    private static final byte[] USER_OPEN = ascii(" - ");
    private static final byte[] TIME_CLOSE = ascii("] \"");
    private static final byte[] QUOTES_BETWEEN = ascii("\" \"");
    private static final byte[] RT = ascii("\" rt=");
    private static final byte[] BACKEND = ascii(" backend=");
    private static final byte[] ATTEMPTS = ascii(" attempts=");
    private static final byte[] RETRY = ascii(" retry=");
    private static final byte[] IN = ascii(" in=");
    private static final byte[] RID = ascii(" rid=");
    private static final byte[] TRACE = ascii(" trace=");
    private static final byte[] DASH = ascii(" dash=");
    private static final byte[] PANEL = ascii(" panel=");
    private static final byte[] WEBSOCKET_COMBINED = ascii(" ws=1");

    /** A JSON field's opening, {@code ,"name":"} or {@code ,"name":}, prepared once. */
    private enum Json {
        CLIENT("client"), USER("user"), METHOD("method"), PATH("path"), PROTOCOL("protocol"), BACKEND("backend"),
        RETRY_CAUSE("retryCause"), REQUEST_ID("requestId"), TRACE_ID("traceId"), DASHBOARD_UID("dashboardUid"),
        PANEL_ID("panelId"), USER_AGENT("userAgent"), REFERER("referer"),
        STATUS("status", false), BYTES_IN("bytesIn", false), BYTES_OUT("bytesOut", false), ATTEMPTS("attempts", false);

        final byte[] open;

        Json(String name) {
            this(name, true);
        }

        Json(String name, boolean text) {
            this.open = ascii(",\"" + name + "\":" + (text ? "\"" : ""));
        }
    }

    private final AccessLogConfig.Format format;
    private long cachedSecond = Long.MIN_VALUE;
    private byte[] cachedTime;

    AccessLineFormat(AccessLogConfig.Format format) {
        this.format = format;
    }

    static String format(AccessRecord r, AccessLogConfig.Format format) {
        return new AccessLineFormat(format).line(r);
    }

    static String json(AccessRecord r) {
        return format(r, AccessLogConfig.Format.JSON);
    }

    static String combined(AccessRecord r) {
        return format(r, AccessLogConfig.Format.COMBINED);
    }

    /** {@code r}'s line as text, without its newline. */
    String line(AccessRecord r) {
        LineBatch one = new LineBatch(512);
        append(r, one);
        return one.text(0);
    }

    /** Writes {@code r}'s line (without its newline) at the end of {@code b}. */
    void append(AccessRecord r, LineBatch b) {
        if (format == AccessLogConfig.Format.COMBINED) {
            combined(r, b);
        } else {
            json(r, b);
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code Instant.ofEpochMilli(millis).toString()}: seconds, then {@code .SSS} unless the millisecond is 0, then Z. */
    private void isoTime(LineBatch b, long millis) {
        long second = Math.floorDiv(millis, 1000);
        if (second != cachedSecond) {
            String whole = Instant.ofEpochSecond(second).toString();
            cachedTime = ascii(whole.substring(0, whole.length() - 1));
            cachedSecond = second;
        }
        b.put(cachedTime);
        int ms = (int) Math.floorMod(millis, 1000);
        if (ms != 0) {
            b.put('.').put((char) ('0' + ms / 100)).put((char) ('0' + ms / 10 % 10)).put((char) ('0' + ms % 10));
        }
        b.put('Z');
    }

    private byte[] combinedTime(long millis) {
        long second = Math.floorDiv(millis, 1000);
        if (second != cachedSecond) {
            cachedTime = ascii(COMBINED_TIME.format(Instant.ofEpochSecond(second)));
            cachedSecond = second;
        }
        return cachedTime;
    }

    private void json(AccessRecord r, LineBatch b) {
        b.put(JSON_START);
        isoTime(b, r.startMillis());
        b.put('"');
        field(b, Json.CLIENT, r.client());
        field(b, Json.USER, r.user());
        field(b, Json.METHOD, r.method());
        field(b, Json.PATH, QueryMask.mask(r.target()));
        field(b, Json.PROTOCOL, r.protocol());
        number(b, Json.STATUS, r.status());
        number(b, Json.BYTES_IN, r.bytesIn());
        number(b, Json.BYTES_OUT, r.bytesOut());
        b.put(DURATION_MS);
        fixed(b, r.durationNanos() / 1_000, 3);
        field(b, Json.BACKEND, r.backend());
        number(b, Json.ATTEMPTS, r.attempts());
        field(b, Json.RETRY_CAUSE, r.retryCause());
        field(b, Json.REQUEST_ID, r.requestId());
        field(b, Json.TRACE_ID, r.traceId());
        field(b, Json.DASHBOARD_UID, r.dashboardUid());
        field(b, Json.PANEL_ID, r.panelId());
        field(b, Json.USER_AGENT, r.userAgent());
        field(b, Json.REFERER, r.referer() == null ? null : QueryMask.mask(r.referer()));
        if (r.websocket()) {
            b.put(WEBSOCKET_JSON);
        }
        b.put('}');
    }

    private void combined(AccessRecord r, LineBatch b) {
        orDash(b, r.client(), Escape.NONE);
        b.put(USER_OPEN);
        orDash(b, r.user(), Escape.COMBINED);
        b.put(' ').put('[').put(combinedTime(r.startMillis())).put(TIME_CLOSE);
        orDash(b, r.method(), Escape.COMBINED);
        b.put(' ').text(QueryMask.mask(r.target()), Escape.COMBINED).put(' ');
        orDash(b, r.protocol(), Escape.NONE);
        b.put('"').put(' ').number(r.status()).put(' ').number(r.bytesOut()).put(' ').put('"');
        orDash(b, r.referer() == null ? null : QueryMask.mask(r.referer()), Escape.COMBINED);
        b.put(QUOTES_BETWEEN);
        orDash(b, r.userAgent(), Escape.COMBINED);
        b.put(RT);
        fixed(b, r.durationNanos() / 1_000, 6);
        b.put(BACKEND);
        orDash(b, r.backend(), Escape.NONE);
        b.put(ATTEMPTS).number(r.attempts()).put(RETRY);
        orDash(b, r.retryCause(), Escape.NONE);
        b.put(IN).number(r.bytesIn()).put(RID);
        orDash(b, r.requestId(), Escape.COMBINED);
        b.put(TRACE);
        orDash(b, r.traceId(), Escape.COMBINED);
        b.put(DASH);
        orDash(b, r.dashboardUid(), Escape.COMBINED);
        b.put(PANEL);
        orDash(b, r.panelId(), Escape.COMBINED);
        if (r.websocket()) {
            b.put(WEBSOCKET_COMBINED);
        }
    }

    private static void orDash(LineBatch b, String value, Escape escape) {
        if (value == null) {
            b.put('-');
        } else {
            b.text(value, escape);
        }
    }

    /**
     * {@code micros} as a decimal with {@code decimals} places ({@code 3}: milliseconds, {@code 6}: seconds), never in
     * the exponent notation {@code Double.toString} uses below 0.001 and from 10 million.
     */
    static void fixed(LineBatch b, long micros, int decimals) {
        long unit = decimals == 3 ? 1_000 : 1_000_000;
        long whole = Math.max(0, micros) / unit;
        long fraction = Math.max(0, micros) % unit;
        b.number(whole).put('.');
        for (long place = unit / 10; place > 1 && fraction < place; place /= 10) {
            b.put('0'); // the fraction's leading zeros
        }
        b.number(fraction);
    }

    private static void number(LineBatch b, Json name, long value) {
        b.put(name.open).number(value);
    }

    private static void field(LineBatch b, Json name, String value) {
        if (value != null) {
            b.put(name.open).text(value, Escape.JSON).put('"');
        }
    }
}
