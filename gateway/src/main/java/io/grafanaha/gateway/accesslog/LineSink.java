package io.grafanaha.gateway.accesslog;

import java.io.IOException;

/**
 * Where the writer's batches go: standard error or a rolled file. Called from the writer's one thread only.
 */
interface LineSink extends AutoCloseable {

    /** The most bytes one {@link #write} should carry (a longer single line still goes whole). */
    int batchLimit();

    /** Writes {@code length} bytes of whole lines with one system call where the destination allows. */
    void write(byte[] bytes, int length) throws IOException;

    /** Flushes and releases the destination (standard error stays open). */
    @Override
    void close();
}
