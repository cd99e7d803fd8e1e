package io.grafanaha.sync.writeback;

import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The write-back's two single threads, created by the caller and shut down by {@link WriteBack#close()}.
 *
 * @param commits commits, pushes, journal replay and polling; a slow push blocks only this one
 * @param journal forces captured edits to the journal, so a client's save waits for the disk and never for Git
 */
public record WriteBackThreads(ScheduledExecutorService commits, ScheduledExecutorService journal) {
    public WriteBackThreads {
        Objects.requireNonNull(commits, "commits");
        Objects.requireNonNull(journal, "journal");
    }
}
