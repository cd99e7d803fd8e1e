package io.grafanaha.testkit.faults;

import io.netty.buffer.ByteBuf;

/**
 * What a toxic chain outputs: bytes to write, or the end of the connection, each due at a point in time
 * ({@link System#nanoTime()}). Toxics rewrite segments: delay them, split them, drop them, or add an end.
 */
record Segment(Action action, long dueNanos, ByteBuf data) {

    enum Action { DATA, CLOSE, RESET }

    static Segment data(long dueNanos, ByteBuf data) {
        return new Segment(Action.DATA, dueNanos, data);
    }

    static Segment close(long dueNanos) {
        return new Segment(Action.CLOSE, dueNanos, null);
    }

    static Segment reset(long dueNanos) {
        return new Segment(Action.RESET, dueNanos, null);
    }

    boolean isData() {
        return action == Action.DATA;
    }

    Segment delayedBy(long nanos) {
        return new Segment(action, dueNanos + nanos, data);
    }

    /** Drops the segment; data must be released because Netty buffers are reference counted. */
    void discard() {
        if (data != null) {
            data.release();
        }
    }
}
