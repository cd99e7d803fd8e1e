package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;

/**
 * Follows WebSocket frame headers (RFC 6455 §5.2) in the bytes a backend sends to a client, without
 * copying them, so the gateway knows when the stream sits between two frames. Only then can it add a
 * close frame of its own without corrupting the frame being relayed.
 */
final class FrameBoundary {
    private static final int CLOSE_OPCODE = 0x8;

    private final byte[] header = new byte[14];
    private int headerLength;
    private long payloadLeft;
    private boolean lost;
    /** A close frame went (or is going) to the client: the backend's own, or one the gateway wrote. */
    private boolean closeSent;

    void consume(ByteBuf buf) {
        consume(buf, false);
    }

    /**
     * Follows the readable bytes of {@code buf} (without moving its reader index) and returns how many were
     * followed: all of them, or with {@code stopAtBoundary} only those up to the end of the frame in progress.
     */
    int consume(ByteBuf buf, boolean stopAtBoundary) {
        int start = buf.readerIndex();
        int i = start;
        int end = buf.writerIndex();
        while (i < end && !lost && !(stopAtBoundary && i > start && atBoundary())) {
            if (payloadLeft > 0) {
                int n = (int) Math.min(payloadLeft, end - i);
                payloadLeft -= n;
                i += n;
                continue;
            }
            header[headerLength++] = buf.getByte(i++);
            if (headerLength >= 2 && headerLength == headerSize()) {
                payloadLeft = payloadLength();
                closeSent |= (header[0] & 0x0f) == CLOSE_OPCODE;
                headerLength = 0;
                if (payloadLeft < 0) {
                    lost = true; // a 64-bit length with the top bit set: not a stream we can follow
                }
            }
        }
        return lost ? end - start : i - start;
    }

    /** True when every byte seen so far belongs to a complete frame. */
    boolean atBoundary() {
        return !lost && headerLength == 0 && payloadLeft == 0;
    }

    /** Whether the client has been sent a close frame already (RFC 6455 §5.5.1: one per direction, no data after it). */
    boolean closeSent() {
        return closeSent;
    }

    /** The gateway wrote a close frame of its own. */
    void markCloseSent() {
        closeSent = true;
    }

    private int headerSize() {
        int len7 = header[1] & 0x7f;
        int extended = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
        int mask = (header[1] & 0x80) != 0 ? 4 : 0;
        return 2 + extended + mask;
    }

    private long payloadLength() {
        int len7 = header[1] & 0x7f;
        if (len7 < 126) {
            return len7;
        }
        int bytes = len7 == 126 ? 2 : 8;
        long length = 0;
        for (int k = 0; k < bytes; k++) {
            length = (length << 8) | (header[2 + k] & 0xff);
        }
        return length;
    }
}
