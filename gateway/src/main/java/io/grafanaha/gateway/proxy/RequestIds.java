package io.grafanaha.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code X-Request-Id}: a client's (or a proxy in front's) id is kept when it is sane, otherwise the
 * gateway makes one. A made id is a per-process random prefix and a counter, so making one costs an
 * increment, not a {@link SecureRandom} draw, and ids stay unique across restarts and instances.
 */
final class RequestIds {
    static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    /** Longer ids are replaced: they would bloat every log line downstream. */
    static final int MAX_LENGTH = 128;

    private final String prefix;
    private final AtomicLong counter = new AtomicLong();

    RequestIds(String prefix) {
        this.prefix = prefix;
    }

    /** Ids with 12 random hex digits of this process in front. */
    static RequestIds random() {
        byte[] seed = new byte[6];
        new SecureRandom().nextBytes(seed);
        return new RequestIds(HexFormat.of().formatHex(seed) + "-");
    }

    String next() {
        return prefix + Long.toHexString(counter.incrementAndGet());
    }

    /** The request's id from now on: the one it carries if {@link #sane}, else a new one, set in its headers. */
    String assign(HttpHeaders headers) {
        String id = headers.get(X_REQUEST_ID);
        if (!sane(id)) {
            id = next();
        }
        headers.set(X_REQUEST_ID, id); // one value only: a second one would leave the backend to pick
        return id;
    }

    /** At most {@link #MAX_LENGTH} visible ASCII characters (no spaces, no controls), and at least one. */
    static boolean sane(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
