package io.grafanaha.gateway.accesslog;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;

/**
 * Standard error, unbuffered (the writer batches): each batch is at most {@value #PIPE_ATOMIC} bytes of whole lines,
 * which a pipe takes in one piece, so the application's own log lines on the same stream never cut an access line
 * in two.
 */
final class StderrSink implements LineSink {
    /** POSIX {@code PIPE_BUF} on Linux: writes up to this size are never interleaved with other writers'. */
    static final int PIPE_ATOMIC = 4096;
    private final FileOutputStream err = new FileOutputStream(FileDescriptor.err);

    @Override
    public int batchLimit() {
        return PIPE_ATOMIC;
    }

    @Override
    public void write(byte[] bytes, int length) throws IOException {
        err.write(bytes, 0, length);
    }

    @Override
    public void close() {
        // standard error belongs to the process; nothing is buffered here
    }
}
