package io.grafanaha.sync.writeback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The journal's file, as the journal uses it: append, force, truncate. An interface so that a test can make it fail
 * as a full or read-only disk does (a read-only directory does not stop root).
 */
interface JournalFile extends AutoCloseable {

    /** Opens (creating) the file. */
    @FunctionalInterface
    interface Opener {
        JournalFile open(Path file) throws IOException;
    }

    /** Writes all of {@code bytes} at the end of the file (not yet forced). */
    void append(byte[] bytes) throws IOException;

    /** Forces what was appended to disk. */
    void force() throws IOException;

    long size() throws IOException;

    /** Empties the file, forced. */
    void truncate() throws IOException;

    @Override
    void close() throws IOException;

    /** The real file: a {@link FileChannel} in append mode; a file it creates is made durable in its directory too. */
    static JournalFile open(Path file) throws IOException {
        boolean created = !Files.exists(file);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        if (created) {
            // The file's directory entry must survive a crash too, or a forced record is in a file nobody finds.
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException e) {
                // Some file systems cannot open a directory for reading; the file's own force still holds its data.
            }
        }
        return new JournalFile() {
            @Override
            public void append(byte[] bytes) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            }

            @Override
            public void force() throws IOException {
                channel.force(false);
            }

            @Override
            public long size() throws IOException {
                return channel.size();
            }

            @Override
            public void truncate() throws IOException {
                channel.truncate(0);
                channel.force(true);
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }
}
