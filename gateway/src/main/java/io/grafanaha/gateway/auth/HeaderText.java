package io.grafanaha.gateway.auth;

import io.grafanaha.gateway.proxy.LocalHandler;
import io.grafanaha.gateway.proxy.LocalResponse;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Text in the auth proxy headers Grafana reads. An HTTP header carries bytes; Netty writes one byte per char (so a
 * char above U+00FF is cut) and Grafana reads the bytes as UTF-8 (so even "ë" sent as Latin-1 arrives broken). Only
 * ASCII travels as is. Grafana's {@code [auth.proxy] headers_encoded = true} makes it decode every auth proxy header
 * as quoted-printable ({@code getProxyHeader} in pkg/services/authn/clients/proxy.go applies
 * {@code util.DecodeQuotedPrintable}, Go's {@code mime/quotedprintable} reader over the value, the original value kept
 * when it does not decode); {@code auth.headers-encoded: true} makes the gateway {@link #quotedPrintable encode} to
 * match. With it off, a value that is not ASCII is refused with {@link #notSendable} rather than sent mangled: a
 * mangled login could name another user.
 */
final class HeaderText {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private HeaderText() {}

    /** Printable ASCII only (and spaces): what goes in a header unchanged. */
    static boolean ascii(String value) {
        return value.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
    }

    /**
     * The UTF-8 bytes of {@code value}, quoted-printable (RFC 2045 §6.7): printable ASCII other than {@code =} as it is,
     * every other byte (and the space, which a decoder strips at a line's end) as {@code =XX}. No soft line breaks: a
     * header value is one line, and Go's reader does not limit its length.
     */
    static String quotedPrintable(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c > 0x20 && c < 0x7f && c != '=') {
                out.append((char) c);
            } else {
                out.append('=').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    /**
     * A header value as Netty hands it over (one char per byte) read as the UTF-8 text an authenticating proxy sent;
     * the value itself when its bytes are not UTF-8 (then it is Latin-1, as Netty read it).
     */
    static String fromHeader(String raw) {
        if (ascii(raw)) {
            return raw;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException e) {
            return raw;
        }
    }

    /** The answer to a sign-in whose values cannot be sent to Grafana while {@code auth.headers-encoded} is off. */
    static LocalHandler notSendable() {
        String page = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign-in refused</title></head><body>"
                + "<h1>Sign-in refused</h1><p>Your user name, e-mail, display name or groups contain characters outside"
                + " ASCII. The gateway cannot pass them on to Grafana in an HTTP header as they are, and sending them"
                + " changed could sign you in as someone else.</p><p>Operators: set <code>auth.headers-encoded: true</code>"
                + " in the gateway's configuration and <code>headers_encoded = true</code> in Grafana's"
                + " <code>[auth.proxy]</code> section on every instance.</p></body></html>";
        LocalResponse response = new LocalResponse(403, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8))
                .withHeader("Cache-Control", "no-store");
        return request -> CompletableFuture.completedFuture(response);
    }
}
