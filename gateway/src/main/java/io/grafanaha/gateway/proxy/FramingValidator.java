package io.grafanaha.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Refuses requests whose framing two parsers could read differently (RFC 9112 §6.1, §6.3), on top of
 * what Netty's decoder already rejects. A front-end proxy that forwards such a request lets an attacker
 * hide a second request inside the first one (request smuggling), so every doubt answers 400 and closes.
 */
final class FramingValidator {
    static final int MAX_REQUEST_LINE = 8 * 1024;
    static final int MAX_HEADER_SECTION = 16 * 1024;
    /** Browsers send about twenty; thousands of tiny fields cost the gateway and Grafana far more than their bytes. */
    static final int MAX_HEADER_FIELDS = 100;
    /** uri-host [ ":" port ] of RFC 9110 §7.2: a reg-name or an IP literal; an empty Host is allowed. */
    private FramingValidator() {}

    static Optional<Rejection> check(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            return Optional.of(fromDecoderFailure(request.decoderResult().cause()));
        }
        HttpHeaders headers = request.headers();
        if (request.method().equals(HttpMethod.CONNECT)) {
            return Optional.of(new Rejection(HttpResponseStatus.METHOD_NOT_ALLOWED, "CONNECT is not supported by the gateway"));
        }
        if (headers.size() > MAX_HEADER_FIELDS) {
            return reject("more than " + MAX_HEADER_FIELDS + " header fields");
        }
        // One pass over the fields, no list per name: this runs on every request.
        int hostCount = 0;
        CharSequence host = null;
        int lengthCount = 0;
        CharSequence length = null;
        Codings codings = null;
        for (var it = headers.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> field = it.next();
            CharSequence name = field.getKey();
            if (HttpHeaderNames.HOST.contentEqualsIgnoreCase(name)) {
                if (hostCount++ == 0) {
                    host = field.getValue();
                }
            } else if (HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)) {
                if (lengthCount++ == 0) {
                    length = field.getValue();
                }
            } else if (HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)) {
                if (codings == null) {
                    codings = new Codings();
                }
                codings.add(field.getValue());
            }
        }
        if (hostCount > 1) {
            return reject("more than one Host header");
        }
        if (hostCount == 0 && request.protocolVersion().compareTo(HttpVersion.HTTP_1_1) >= 0) {
            return reject("HTTP/1.1 request without a Host header");
        }
        if (hostCount == 1 && !validHost(host)) {
            return reject("invalid Host header");
        }
        if (lengthCount > 1) {
            return reject("more than one Content-Length header");
        }
        if (lengthCount == 1 && !isDigits(length)) {
            return reject("invalid Content-Length");
        }
        if (codings != null) {
            if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
                return reject("Transfer-Encoding is not allowed in " + request.protocolVersion());
            }
            if (lengthCount > 0) {
                return reject("both Content-Length and Transfer-Encoding");
            }
            if (!codings.endsWithTheOnlyChunked()) {
                return reject("Transfer-Encoding must end with a single chunked coding");
            }
        }
        return Optional.empty();
    }

    /**
     * The framing problem of a backend response, or empty. Netty has already refused CL with TE and
     * duplicate lengths; this adds the transfer codings a response must not have (HAProxy answers 502
     * to the same set): anything but a single, final chunked.
     */
    static Optional<String> checkResponse(HttpResponse response) {
        if (!response.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return Optional.empty(); // most answers: no list built for them (this runs on every response head)
        }
        List<String> encodings = response.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!response.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            return Optional.of("Transfer-Encoding in an " + response.protocolVersion() + " response");
        }
        if (response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            return Optional.of("both Content-Length and Transfer-Encoding");
        }
        List<String> codings = codings(encodings);
        if (!codings.equals(List.of("chunked"))) {
            return Optional.of("unsupported Transfer-Encoding " + String.join(", ", codings));
        }
        return Optional.empty();
    }

    static Rejection fromDecoderFailure(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return new Rejection(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line longer than " + MAX_REQUEST_LINE + " bytes");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new Rejection(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "header section larger than " + MAX_HEADER_SECTION + " bytes");
        }
        String reason = cause == null || cause.getMessage() == null ? "malformed request" : cause.getMessage();
        return Rejection.badRequest("bad request framing: " + reason);
    }

    /**
     * A Host value (RFC 9110 §7.2, RFC 3986 §3.2.2): a bracketed IPv6 literal ({@code [0-9A-Fa-f:.]+}) or a reg-name
     * (unreserved, sub-delims, percent), then an optional {@code :} and at most five digits. A scan, not a regular
     * expression: it runs on every request.
     */
    static boolean validHost(CharSequence host) {
        int n = host.length();
        int i = 0;
        if (n > 0 && host.charAt(0) == '[') {
            i = 1;
            while (i < n && ipv6Char(host.charAt(i))) {
                i++;
            }
            if (i == 1 || i >= n || host.charAt(i) != ']') {
                return false;
            }
            i++;
        } else {
            while (i < n && regNameChar(host.charAt(i))) {
                i++;
            }
        }
        if (i == n) {
            return true;
        }
        if (host.charAt(i) != ':' || n - i - 1 > 5) {
            return false;
        }
        for (int j = i + 1; j < n; j++) {
            if (host.charAt(j) < '0' || host.charAt(j) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean ipv6Char(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
    }

    private static boolean regNameChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-._~!$&'()*+,;=%".indexOf(c) >= 0;
    }

    private static Optional<Rejection> reject(String message) {
        return Optional.of(Rejection.badRequest(message));
    }

    private static List<String> codings(List<String> headerValues) {
        List<String> codings = new ArrayList<>();
        for (String value : headerValues) {
            for (String coding : value.split(",", -1)) {
                codings.add(coding.trim().toLowerCase(Locale.ROOT));
            }
        }
        return codings;
    }

    /**
     * A request's transfer codings, read token by token across its Transfer-Encoding fields (each split at commas, an
     * empty token included, as the list form does): valid when the last one is chunked and no chunked comes before it.
     */
    private static final class Codings {
        private static final AsciiString CHUNKED = AsciiString.cached("chunked");
        private boolean lastChunked;
        private boolean chunkedNotLast;

        void add(CharSequence value) {
            int start = 0;
            int n = value.length();
            while (true) {
                int comma = start;
                while (comma < n && value.charAt(comma) != ',') {
                    comma++;
                }
                token(value, start, comma);
                if (comma == n) {
                    return;
                }
                start = comma + 1;
            }
        }

        private void token(CharSequence value, int start, int end) {
            while (start < end && value.charAt(start) <= ' ') {
                start++;
            }
            while (end > start && value.charAt(end - 1) <= ' ') {
                end--;
            }
            if (lastChunked) {
                chunkedNotLast = true;
            }
            lastChunked = end - start == CHUNKED.length() && AsciiString.regionMatchesAscii(value, true, start, CHUNKED, 0, CHUNKED.length());
        }

        boolean endsWithTheOnlyChunked() {
            return lastChunked && !chunkedNotLast;
        }
    }

    private static boolean isDigits(CharSequence s) {
        if (s.isEmpty() || s.length() > 18) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
