package io.grafanaha.sync.grafana;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one client last wrote to or read from its backend, per dashboard uid: the version Grafana gave it and the
 * content. Grafana bumps a dashboard's version on every save, whoever saves, so a dashboard still at the recorded
 * version still holds the recorded content and a pass need not read it again.
 *
 * <p>The content of a write is the caller's tree itself, not a copy: the desired state's tree, which the desired
 * state keeps while the file is unchanged. Remembering a thousand written dashboards costs references, and the
 * planner sees the very tree it compares against.
 */
final class KnownDashboards {
    /** @param id Grafana's numeric id of the row, 0 when not known */
    record Known(int version, ObjectNode json, long id) {}

    private final Map<String, Known> byUid = new ConcurrentHashMap<>();

    boolean has(String uid) {
        return byUid.containsKey(uid);
    }

    /** The content recorded for {@code uid}, if it was recorded at exactly {@code version}. */
    Optional<ObjectNode> at(String uid, int version) {
        return at(uid, version, 0);
    }

    /**
     * As {@link #at(String, int)}, and in the same row: a dashboard deleted and created again under its uid starts
     * over at version 1 in a row with a new {@code id}, so a version alone can match content it never held.
     * {@code id} 0 (or none recorded) compares versions only.
     */
    Optional<ObjectNode> at(String uid, int version, long id) {
        Known k = byUid.get(uid);
        return k != null && k.version() == version && sameRow(uid, id) ? Optional.of(k.json()) : Optional.empty();
    }

    /** Whether what is recorded for {@code uid} may be of the row {@code id} (true when either id is unknown). */
    boolean sameRow(String uid, long id) {
        Known k = byUid.get(uid);
        return id == 0 || k == null || k.id() == 0 || k.id() == id;
    }

    /** The version recorded for {@code uid} when the content recorded is {@code expected} itself (not a copy). */
    Optional<Integer> versionHolding(String uid, ObjectNode expected) {
        Known k = byUid.get(uid);
        return k != null && expected != null && k.json() == expected ? Optional.of(k.version()) : Optional.empty();
    }

    void record(String uid, int version, ObjectNode json, long id) {
        byUid.put(uid, new Known(version, json, id));
    }

    void forget(String uid) {
        byUid.remove(uid);
    }

    void forgetAll() {
        byUid.clear();
    }
}
