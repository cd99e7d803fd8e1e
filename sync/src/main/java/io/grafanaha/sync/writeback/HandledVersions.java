package io.grafanaha.sync.writeback;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per backend and dashboard, the newest user version the write-back already has: journaled as the body of a save
 * relayed through the gateway, or captured once by polling or by a pass. Polling and the pass hold capture a version
 * only when it is not this one, so a save made through the gateway is not read back and committed a second time (the
 * round trip that delayed the next pass on the other backend by a write-back turn or a poll round). A version is
 * recorded only once its edit is pending (submitted to the journal), so one had and not pending is one the write-back
 * is done with: whoever overwrites on that ground asks "had" first and "pending" after. Thread-safe:
 * written on the journal's caller threads, polling's thread and the sync's backend threads.
 */
final class HandledVersions {
    private final Map<String, Integer> versions = new ConcurrentHashMap<>();

    /** The write-back has {@code version} of {@code uid} on {@code backend} (a save it journaled with its body). */
    void record(String backend, String uid, int version) {
        versions.merge(key(backend, uid), version, Math::max);
    }

    /** Whether {@code version} is the one the write-back has (a later capture of it would be a second). */
    boolean has(String backend, String uid, int version) {
        Integer had = versions.get(key(backend, uid));
        return had != null && had == version;
    }

    /**
     * The write-back has {@code version} (captured just now). Recorded only once the edit is pending: a version had
     * and not pending is one the write-back is done with (in Git or on a conflict branch), which a pass or a catch-up
     * may overwrite.
     */
    void took(String backend, String uid, int version) {
        versions.put(key(backend, uid), version);
    }

    private static String key(String backend, String uid) {
        return backend + "\u0000" + uid;
    }
}
