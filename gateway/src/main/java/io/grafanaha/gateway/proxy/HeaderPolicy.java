package io.grafanaha.gateway.proxy;

import io.grafanaha.gateway.config.TrustedProxies;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Which headers cross the gateway. Host and Origin pass unchanged, because Grafana's CSRF and Live
 * origin checks compare them; hop-by-hop headers stop here (RFC 9110 §7.6.1), including any the
 * Connection header names, so a client cannot make the gateway drop an end-to-end header it chose.
 */
final class HeaderPolicy {
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
    /** RFC 7239's header: Grafana does not read it, but nothing a client says about itself may pass unchecked. */
    static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    private static final AsciiString X_WEBAUTH = AsciiString.cached("x-webauth-");

    private static final List<AsciiString> HOP_BY_HOP = List.of(
            HttpHeaderNames.CONNECTION,
            HttpHeaderNames.KEEP_ALIVE,
            HttpHeaderNames.PROXY_CONNECTION,
            HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER,
            HttpHeaderNames.TRANSFER_ENCODING,
            HttpHeaderNames.UPGRADE,
            HttpHeaderNames.PROXY_AUTHENTICATE,
            HttpHeaderNames.PROXY_AUTHORIZATION);

    /** Connection may not name these: dropping them would change the message's framing or target. */
    private static final List<AsciiString> NEVER_NOMINATED = List.of(HttpHeaderNames.HOST, HttpHeaderNames.CONTENT_LENGTH);

    private HeaderPolicy() {}

    /** Whether the client asks to switch protocols (WebSocket and any other upgrade). */
    /**
     * Whether the request asks for a protocol switch the gateway tunnels (WebSocket, and any other but
     * h2c). An {@code Upgrade: h2c} offer, which Java's HTTP client and curl send by default, is ignored
     * as RFC 9110 section 7.8 allows (and RFC 9113 deprecates it): the request is served as plain
     * HTTP/1.1, and the hop-by-hop Upgrade and HTTP2-Settings headers are dropped like any other.
     */
    static boolean isUpgrade(HttpRequest request) {
        String to = request.headers().get(HttpHeaderNames.UPGRADE);
        return to != null
                && !to.trim().equalsIgnoreCase("h2c")
                && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /** {@link #toBackend(HttpRequest, InetSocketAddress, String, boolean, TrustedProxies)}, trusting no proxy. */
    static HttpRequest toBackend(HttpRequest in, InetSocketAddress client, String scheme, boolean upgrade) {
        return toBackend(in, client, scheme, upgrade, TrustedProxies.NONE);
    }

    /**
     * The request as the backend should see it: HTTP/1.1 so the backend connection can be reused, and the
     * client's address as the gateway knows it. Grafana believes {@code X-Real-IP} first, then the first
     * {@code X-Forwarded-For} entry, for its logs and its per-address sign-in protection, so a peer that is
     * not a trusted proxy never chooses them: its {@code X-Forwarded-*}, {@code X-Real-IP} and
     * {@code Forwarded} are replaced. A trusted proxy's chain is kept and the peer appended; the client is
     * then the last address in it that is not itself a trusted proxy.
     */
    static HttpRequest toBackend(HttpRequest in, InetSocketAddress client, String scheme, boolean upgrade,
            TrustedProxies trusted) {
        HttpHeaders headers = in.headers();
        String upgradeTo = headers.get(HttpHeaderNames.UPGRADE);
        boolean chunked = HttpUtil.isTransferEncodingChunked(in);
        stripHopByHop(headers);
        if (chunked) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (upgrade) {
            headers.set(HttpHeaderNames.UPGRADE, upgradeTo);
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        boolean fromProxy = trusted.trusts(client.getAddress());
        List<String> chain = chain(headers, client, fromProxy);
        if (!fromProxy) {
            headers.remove(X_FORWARDED_PROTO);
            headers.remove(X_FORWARDED_HOST);
            headers.remove(FORWARDED);
        }
        stripAuthProxyHeaders(headers);
        headers.set(X_FORWARDED_FOR, chain.size() == 1 ? chain.get(0) : String.join(", ", chain));
        headers.set(X_REAL_IP, clientOf(chain, trusted));
        if (!headers.contains(X_FORWARDED_PROTO)) {
            headers.set(X_FORWARDED_PROTO, scheme);
        }
        String host = headers.get(HttpHeaderNames.HOST);
        if (host != null && !headers.contains(X_FORWARDED_HOST)) {
            headers.set(X_FORWARDED_HOST, host);
        }
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, in.method(), in.uri(), headers);
    }

    /**
     * Grafana's auth proxy ({@code [auth.proxy]}) signs in whoever {@code X-WEBAUTH-USER} names when the request
     * comes from a whitelisted address, which the gateway is when it is put in front: a client's own copy must
     * never reach Grafana, whether or not the gateway signs people in itself. Every {@code X-WEBAUTH-*} header
     * goes (Grafana's default names: user, email, name, role, groups).
     */
    private static void stripAuthProxyHeaders(HttpHeaders headers) {
        List<CharSequence> names = null;
        // CharSequence iteration: no String per header on the path every request takes.
        for (var it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (AsciiString.regionMatchesAscii(name, true, 0, X_WEBAUTH, 0, X_WEBAUTH.length())) {
                if (names == null) {
                    names = new ArrayList<>();
                }
                names.add(name);
            }
        }
        if (names != null) {
            names.forEach(headers::remove);
        }
    }

    /**
     * The client's address as the gateway believes it (the {@code X-Real-IP} {@link #toBackend} sets): the
     * peer, or behind trusted proxies the last address of their chain that is not one of them.
     */
    static String clientAddress(HttpHeaders headers, InetSocketAddress peer, TrustedProxies trusted) {
        if (!trusted.trusts(peer.getAddress())) {
            return ip(peer);
        }
        return clientOf(chain(headers, peer, true), trusted);
    }

    /** The X-Forwarded-For chain a trusted proxy sent (nobody else's), with the peer appended. */
    private static List<String> chain(HttpHeaders headers, InetSocketAddress peer, boolean fromProxy) {
        if (!fromProxy) {
            return List.of(ip(peer)); // the common case: nothing to read, nothing to join
        }
        List<String> chain = new ArrayList<>();
        if (fromProxy) {
            for (String value : headers.getAll(X_FORWARDED_FOR)) {
                for (String entry : value.split(",")) {
                    if (!entry.isBlank()) {
                        chain.add(entry.trim());
                    }
                }
            }
        }
        chain.add(ip(peer));
        return chain;
    }

    private static String ip(InetSocketAddress peer) {
        return AddressText.of(peer);
    }

    /** The client: the last address of the chain that is not a trusted proxy (the first one if all are). */
    private static String clientOf(List<String> chain, TrustedProxies trusted) {
        for (int i = chain.size() - 1; i > 0; i--) {
            if (!trusted.trusts(chain.get(i))) {
                return chain.get(i);
            }
        }
        return chain.get(0);
    }

    /**
     * Prepares a backend response for the client and returns whether the client connection may stay
     * open afterwards. A body of unknown length is re-chunked for HTTP/1.1 clients; HTTP/1.0 clients
     * learn its end from the close.
     */
    static boolean toClient(HttpResponse response, HttpMethod method, HttpVersion clientVersion, boolean keepAlive) {
        HttpHeaders headers = response.headers();
        boolean chunked = HttpUtil.isTransferEncodingChunked(response);
        boolean hasLength = headers.contains(HttpHeaderNames.CONTENT_LENGTH);
        stripHopByHop(headers);
        int code = response.status().code();
        boolean noBody = code < 200 || code == 204 || code == 304;
        boolean http11 = clientVersion.equals(HttpVersion.HTTP_1_1);
        if (HttpMethod.HEAD.equals(method)) {
            if (chunked && http11) {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        } else if (!noBody && !hasLength) {
            if (http11) {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                keepAlive = false;
            }
        }
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (!keepAlive) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!http11) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return keepAlive;
    }

    /** A 101 keeps its Upgrade and Connection: upgrade; everything else hop-by-hop goes. */
    static void toClientSwitching(HttpResponse response) {
        String upgradeTo = response.headers().get(HttpHeaderNames.UPGRADE);
        stripHopByHop(response.headers());
        if (upgradeTo != null) {
            response.headers().set(HttpHeaderNames.UPGRADE, upgradeTo);
        }
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    }

    /**
     * Removes the hop-by-hop headers and any the Connection header names. Every request and every response passes
     * here, so the common cases allocate nothing: no Connection header means nothing nominated, and its tokens are
     * read in place rather than split into strings.
     */
    static void stripHopByHop(HttpHeaders headers) {
        List<CharSequence> nominated = null;
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            for (var values = headers.valueCharSequenceIterator(HttpHeaderNames.CONNECTION); values.hasNext(); ) {
                nominated = nominatedBy(values.next(), nominated);
            }
        }
        if (nominated != null) {
            nominated.forEach(headers::remove);
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
    }

    /**
     * Adds to {@code into} (created when needed) the header names one Connection value nominates for removal:
     * its comma-separated tokens, except those that are hop-by-hop anyway and those that may never be nominated.
     */
    private static List<CharSequence> nominatedBy(CharSequence value, List<CharSequence> into) {
        int i = 0;
        int length = value.length();
        while (i < length) {
            int comma = i;
            while (comma < length && value.charAt(comma) != ',') {
                comma++;
            }
            int start = i;
            int end = comma;
            while (start < end && isBlank(value.charAt(start))) {
                start++;
            }
            while (end > start && isBlank(value.charAt(end - 1))) {
                end--;
            }
            if (end > start && !removedAnyway(value, start, end) && !neverNominated(value, start, end)) {
                if (into == null) {
                    into = new ArrayList<>(2);
                }
                into.add(value.subSequence(start, end));
            }
            i = comma + 1;
        }
        return into;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    /** The token names a header {@link #HOP_BY_HOP} removes in any case: the usual "Connection: keep-alive" adds nothing. */
    private static boolean removedAnyway(CharSequence value, int start, int end) {
        for (AsciiString name : HOP_BY_HOP) {
            if (sameName(value, start, end, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean neverNominated(CharSequence value, int start, int end) {
        for (AsciiString name : NEVER_NOMINATED) {
            if (sameName(value, start, end, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameName(CharSequence value, int start, int end, AsciiString name) {
        return end - start == name.length() && AsciiString.regionMatchesAscii(value, true, start, name, 0, name.length());
    }
}
