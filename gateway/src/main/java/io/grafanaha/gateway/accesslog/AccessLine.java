package io.grafanaha.gateway.accesslog;

/**
 * A finished request handed to the {@link AccessLogWriter}: its {@link AccessRecord} is taken on the writer's
 * thread, so the event loop can queue the object it already has instead of allocating a record per request. The
 * caller must not change it once written.
 */
public interface AccessLine {

    /** The line's values; called once, on the writer's thread. */
    AccessRecord record();
}
