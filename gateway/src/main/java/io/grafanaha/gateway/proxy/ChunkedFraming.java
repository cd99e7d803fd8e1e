package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;

/**
 * Follows a chunked body as it passes unchanged (RFC 9112 §7.1), to find where it ends: chunk sizes, their CRLFs,
 * the last chunk and the trailer section. The bytes are not copied; only the framing is read. Anything that is not
 * clean chunked framing is an error, as the strict decoder would have found it: the head is already with the
 * client then, so the response is cut off rather than guessed at.
 *
 * <p>A reader that needs the body's content without its framing (an HTTP/2 stream's DATA frames and trailers,
 * {@link AnswerFrames}) passes a {@link Content} and is told each run of data and each byte of the trailer section.
 */
final class ChunkedFraming {
    /** Told the content as the framing is read: runs of chunk data, and the trailer section's lines byte by byte. */
    interface Content {
        void data(ByteBuf in, int from, int length);

        /** A byte of a trailer line, its CRLF included; the empty line that ends the section is not told. */
        void trailer(byte b);
    }

    private enum State { SIZE, EXTENSION, SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER_START, TRAILER, TRAILER_LF, LAST_LF, DONE }

    /** A chunk-size line and a trailer section beyond these is not a Grafana's answer. */
    private static final int MAX_LINE = 4 * 1024;
    private static final int MAX_TRAILERS = 64 * 1024;

    private State state = State.SIZE;
    private long size;
    private int digits;
    private int lineBytes;
    private int trailerBytes;
    private long remaining;
    private int dataBytes;
    private final Content content;

    ChunkedFraming() {
        this(null);
    }

    ChunkedFraming(Content content) {
        this.content = content;
    }

    /** Thrown when the framing is broken; the message says how. */
    static final class Broken extends Exception {
        Broken(String message) {
            super(message, null, false, false);
        }
    }

    /** Reads {@code in} from {@code from} to {@code to}: the index just past the body's end, or -1 if it goes on. */
    int scan(ByteBuf in, int from, int to) throws Broken {
        int i = from;
        while (i < to) {
            if (state == State.DATA) {
                int n = (int) Math.min(remaining, to - i);
                if (content != null) {
                    content.data(in, i, n);
                }
                i += n;
                remaining -= n;
                dataBytes += n;
                if (remaining == 0) {
                    state = State.DATA_CR;
                }
                continue;
            }
            step(in.getByte(i++));
            if (state == State.DONE) {
                return i;
            }
        }
        return -1;
    }

    /** Payload bytes passed since the last call (for the access log's count). */
    int takeDataBytes() {
        int n = dataBytes;
        dataBytes = 0;
        return n;
    }

    private void step(byte b) throws Broken {
        switch (state) {
            case SIZE -> size(b);
            case EXTENSION -> {
                if (b == '\r') {
                    state = State.SIZE_LF;
                } else if (control(b) || ++lineBytes > MAX_LINE) {
                    throw new Broken("invalid chunk extension");
                }
            }
            case SIZE_LF -> {
                expect(b, '\n');
                remaining = size;
                state = size == 0 ? State.TRAILER_START : State.DATA;
                size = 0;
                digits = 0;
                lineBytes = 0;
            }
            case DATA_CR -> {
                expect(b, '\r');
                state = State.DATA_LF;
            }
            case DATA_LF -> {
                expect(b, '\n');
                state = State.SIZE;
            }
            case TRAILER_START -> {
                if (b == '\r') {
                    state = State.LAST_LF;
                } else if (b == ' ' || b == '\t' || control(b)) {
                    throw new Broken("invalid trailer line");
                } else {
                    trailer(b);
                }
            }
            case TRAILER -> {
                if (b == '\r') {
                    state = State.TRAILER_LF;
                    told(b);
                } else if (control(b)) {
                    throw new Broken("invalid trailer line");
                } else {
                    trailer(b);
                }
            }
            case TRAILER_LF -> {
                expect(b, '\n');
                state = State.TRAILER_START;
                told(b);
            }
            case LAST_LF -> {
                expect(b, '\n');
                state = State.DONE;
            }
            default -> throw new Broken("bytes after the last chunk");
        }
    }

    private void size(byte b) throws Broken {
        int value = Character.digit(b, 16);
        if (value >= 0 && digits < 15) {
            size = size * 16 + value;
            digits++;
        } else if (digits > 0 && b == '\r') {
            state = State.SIZE_LF;
        } else if (digits > 0 && (b == ';' || b == ' ' || b == '\t')) {
            state = State.EXTENSION;
        } else {
            throw new Broken("invalid chunk size");
        }
    }

    private void trailer(byte b) throws Broken {
        state = State.TRAILER;
        if (++trailerBytes > MAX_TRAILERS) {
            throw new Broken("trailer section larger than " + MAX_TRAILERS + " bytes");
        }
        told(b);
    }

    private void told(byte b) {
        if (content != null) {
            content.trailer(b);
        }
    }

    private static void expect(byte b, char wanted) throws Broken {
        if (b != wanted) {
            throw new Broken("chunk framing without its CRLF");
        }
    }

    private static boolean control(byte b) {
        return (b >= 0 && b < ' ' && b != '\t') || b == 0x7f;
    }
}
