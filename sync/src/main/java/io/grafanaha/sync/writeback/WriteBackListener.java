package io.grafanaha.sync.writeback;

/** Receives {@link WriteBackEvent}s on the write-back's thread; must return quickly. */
@FunctionalInterface
public interface WriteBackListener {
    void onEvent(WriteBackEvent event);

    static WriteBackListener none() {
        return e -> {};
    }
}
