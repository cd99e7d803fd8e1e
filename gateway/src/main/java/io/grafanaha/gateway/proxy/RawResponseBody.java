package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * Part of a backend's response body as it came ({@link ResponseFramer}): for a chunked body the chunk framing is
 * included, and {@link #dataBytes} counts only the payload, for the access log.
 */
final class RawResponseBody extends DefaultByteBufHolder {
    private final int dataBytes;
    private final boolean last;

    RawResponseBody(ByteBuf bytes, int dataBytes, boolean last) {
        super(bytes);
        this.dataBytes = dataBytes;
        this.last = last;
    }

    int dataBytes() {
        return dataBytes;
    }

    /** This part ends the response. */
    boolean last() {
        return last;
    }
}
