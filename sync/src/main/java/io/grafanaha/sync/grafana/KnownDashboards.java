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
    record Known(int version, ObjectNode json) {}

    private final Map<String, Known> byUid = new ConcurrentHashMap<>();

    boolean has(String uid) {
        return byUid.containsKey(uid);
    }

    /** The content recorded for {@code uid}, if it was recorded at exactly {@code version}. */
    Optional<ObjectNode> at(String uid, int version) {
        Known k = byUid.get(uid);
        return k != null && k.version() == version ? Optional.of(k.json()) : Optional.empty();
    }

    /** The version recorded for {@code uid} when the content recorded is {@code expected} itself (not a copy). */
    Optional<Integer> versionHolding(String uid, ObjectNode expected) {
        Known k = byUid.get(uid);
        return k != null && expected != null && k.json() == expected ? Optional.of(k.version()) : Optional.empty();
    }

    void record(String uid, int version, ObjectNode json) {
        byUid.put(uid, new Known(version, json));
    }

    void forget(String uid) {
        byUid.remove(uid);
    }

    void forgetAll() {
        byUid.clear();
    }
}
