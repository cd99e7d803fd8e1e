package io.grafanaha.gateway.proxy;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;
import java.util.List;

/**
 * The request body chunks handed to a backend so far, kept (retained, not copied) so the request can
 * be sent again to another backend. Only the first {@link #CAP} bytes are kept: a bigger body is
 * streamed as usual and the request can no longer be replayed (HAProxy's "one buffer" rule).
 */
final class ReplayBuffer {
    static final int CAP = 64 * 1024;

    /** Sized for the usual request: one chunk, its end, or both. */
    private final List<HttpContent> chunks = new ArrayList<>(2);
    private long bytes;
    private boolean intact = true;
    private boolean complete;

    /** Remembers {@code content}, which the caller is about to write (and so release) to the backend. */
    void add(HttpContent content) {
        if (content instanceof LastHttpContent) {
            complete = true;
        }
        if (!intact) {
            return;
        }
        bytes += content.content().readableBytes();
        if (bytes > CAP) {
            intact = false;
            release();
            return;
        }
        chunks.add(content.retainedDuplicate());
    }

    /** Every chunk handed over so far is still here (true while nothing was handed over). */
    boolean intact() {
        return intact;
    }

    /** The whole body, up to its last chunk, is here: the request can be sent again as it was. */
    boolean complete() {
        return intact && complete;
    }

    /** Keeps only {@code whole}, the complete body a later attempt sends instead of what went before (this buffer owns it). */
    void replaceWith(LastHttpContent whole) {
        release();
        bytes = whole.content().readableBytes();
        intact = true;
        complete = true;
        chunks.add(whole);
    }

    /** Fresh duplicates of the kept chunks, for writing to a new backend connection. */
    List<HttpContent> replay() {
        List<HttpContent> copies = new ArrayList<>(chunks.size());
        for (HttpContent chunk : chunks) {
            copies.add(chunk.retainedDuplicate());
        }
        return copies;
    }

    void release() {
        for (HttpContent chunk : chunks) {
            chunk.release();
        }
        chunks.clear();
    }
}
