package io.grafanaha.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Brings a request target to the one form that the gateway's routing and Grafana read alike, or refuses
 * it (RFC 9112 §3.2, RFC 3986 §5.2.4 and §6.2.2). Absolute-form ({@code GET http://host/path}) becomes
 * origin-form with {@code Host} set from the authority, as a server must; dot segments are resolved and
 * percent-encoded unreserved characters decoded, so {@code /x/../_gateway/webhook} and
 * {@code /%5Fgateway/webhook} are the gateway's own path before routing, never something Grafana
 * resolves differently. Asterisk-form is for OPTIONS only; a fragment is never sent by a real client.
 */
final class RequestTarget {
    private RequestTarget() {}

    /**
     * Rewrites {@code request}'s target (and Host) in place; a rejection when it cannot be trusted. An
     * HTTP/1.0 request without Host (which 1.0 allows) gets {@code listenerHost}, the address the client
     * connected to: it goes on as HTTP/1.1, where Host is required. (Asked for only then: on an HTTP/2 stream it
     * is text built anew for each stream.)
     */
    static Optional<Rejection> normalise(HttpRequest request, Supplier<String> listenerHost) {
        if (!request.headers().contains(HttpHeaderNames.HOST)) {
            request.headers().set(HttpHeaderNames.HOST, listenerHost.get());
        }
        String target = request.uri();
        if (target.equals("*")) {
            return request.method().equals(HttpMethod.OPTIONS) ? Optional.empty() : reject("only OPTIONS may use the * request target");
        }
        if (target.indexOf('#') >= 0) {
            return reject("a fragment (#) in the request target");
        }
        if (!target.startsWith("/")) {
            int scheme = target.indexOf("://");
            if (scheme <= 0) {
                return reject("the request target must be a path (origin-form) or an absolute http URL");
            }
            String name = target.substring(0, scheme).toLowerCase(Locale.ROOT);
            if (!name.equals("http") && !name.equals("https")) {
                return reject("the request target's scheme must be http or https");
            }
            int authorityEnd = indexOfAny(target, scheme + 3, "/?");
            String authority = target.substring(scheme + 3, authorityEnd);
            if (authority.isEmpty() || authority.indexOf('@') >= 0 || !FramingValidator.validHost(authority)) {
                return reject("the request target's authority is not a valid host");
            }
            String rest = target.substring(authorityEnd);
            target = rest.isEmpty() ? "/" : rest.startsWith("?") ? "/" + rest : rest;
            request.headers().set(HttpHeaderNames.HOST, authority);
        }
        int query = target.indexOf('?');
        String path = query < 0 ? target : target.substring(0, query);
        String normalised = removeDotSegments(decodeUnreserved(path));
        request.setUri(query < 0 ? normalised : normalised + target.substring(query));
        return Optional.empty();
    }

    /** {@code %5F} to {@code _}, {@code %2E} to {@code .}: the characters whose encoding changes nothing (RFC 3986 §6.2.2.2). */
    static String decodeUnreserved(String path) {
        if (path.indexOf('%') < 0) {
            return path;
        }
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length()) {
                int hi = Character.digit(path.charAt(i + 1), 16);
                int lo = Character.digit(path.charAt(i + 2), 16);
                if (hi >= 0 && lo >= 0 && unreserved((char) (hi * 16 + lo))) {
                    out.append((char) (hi * 16 + lo));
                    i += 2;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    /** RFC 3986 §5.2.4 on an absolute path: {@code /a/./b/../c} is {@code /a/c}; nothing climbs above the root. */
    static String removeDotSegments(String path) {
        if (!path.contains("/.")) {
            // A dot segment follows a slash: without one the path is its own answer (and /app.js, /search.json
            // are most of the requests), so no split, deque and join on every request.
            return path;
        }
        Deque<String> kept = new ArrayDeque<>();
        String[] segments = path.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            boolean last = i == segments.length - 1;
            if (segment.equals(".")) {
                if (last) {
                    kept.addLast("");
                }
            } else if (segment.equals("..")) {
                kept.pollLast();
                if (last) {
                    kept.addLast("");
                }
            } else {
                kept.addLast(segment);
            }
        }
        return "/" + String.join("/", kept);
    }

    private static boolean unreserved(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static int indexOfAny(String s, int from, String chars) {
        for (int i = from; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return s.length();
    }

    private static Optional<Rejection> reject(String message) {
        return Optional.of(Rejection.badRequest(message));
    }
}
