package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * A copy of the first bytes of a response body, taken as the body streams to the client (copied, so
 * the client's buffers are neither held nor touched). A gzip-encoded body is inflated at the end, so
 * the observer always gets JSON.
 */
final class ResponseTee {
    private final int cap;
    private final boolean gzip;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    ResponseTee(int cap, boolean gzip) {
        this.cap = cap;
        this.gzip = gzip;
    }

    /** Copies what fits of {@code content}'s readable bytes; its indices are left alone. */
    void add(ByteBuf content) {
        int n = Math.min(content.readableBytes(), cap - copy.size());
        if (n > 0) {
            byte[] bytes = new byte[n];
            content.getBytes(content.readerIndex(), bytes);
            copy.write(bytes, 0, n);
        }
    }

    /** The body copied so far, inflated (and capped again) when it was gzip-encoded. */
    byte[] body() {
        byte[] raw = copy.toByteArray();
        if (!gzip) {
            return raw;
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
            return in.readNBytes(cap);
        } catch (IOException e) {
            // Cut off at the cap, or not gzip after all: no body beats half a JSON document.
            return new byte[0];
        }
    }
}
