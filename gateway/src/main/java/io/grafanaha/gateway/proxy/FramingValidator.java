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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
        List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            return reject("more than one Host header");
        }
        if (hosts.isEmpty() && request.protocolVersion().compareTo(HttpVersion.HTTP_1_1) >= 0) {
            return reject("HTTP/1.1 request without a Host header");
        }
        if (!hosts.isEmpty() && !validHost(hosts.get(0))) {
            return reject("invalid Host header");
        }
        List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (lengths.size() > 1) {
            return reject("more than one Content-Length header");
        }
        if (lengths.size() == 1 && !isDigits(lengths.get(0))) {
            return reject("invalid Content-Length");
        }
        List<String> encodings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!encodings.isEmpty()) {
            if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
                return reject("Transfer-Encoding is not allowed in " + request.protocolVersion());
            }
            if (!lengths.isEmpty()) {
                return reject("both Content-Length and Transfer-Encoding");
            }
            List<String> codings = codings(encodings);
            if (codings.isEmpty() || !codings.get(codings.size() - 1).equals("chunked")
                    || codings.indexOf("chunked") != codings.size() - 1) {
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
        List<String> encodings = response.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (encodings.isEmpty()) {
            return Optional.empty();
        }
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

    /** A Host header value (or absolute-form authority) RFC 9110 accepts. */
    /**
     * A Host value (RFC 9110 §7.2, RFC 3986 §3.2.2): a bracketed IPv6 literal ({@code [0-9A-Fa-f:.]+}) or a reg-name
     * (unreserved, sub-delims, percent), then an optional {@code :} and at most five digits. A scan, not a regular
     * expression: it runs on every request.
     */
    static boolean validHost(String host) {
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

    private static boolean isDigits(String s) {
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
