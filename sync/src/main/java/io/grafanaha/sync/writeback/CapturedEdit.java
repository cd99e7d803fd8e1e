package io.grafanaha.sync.writeback;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An edit a backend accepted, to be written to Git.
 *
 * @param backend the backend that answered the save with success ({@code backends[].name})
 * @param kind what was saved or deleted
 * @param uid the dashboard or folder uid
 * @param user the Grafana login that made it, when known
 * @param at when the backend answered
 */
public record CapturedEdit(String backend, Kind kind, String uid, Optional<String> user, Instant at) {

    /** The requests the proxy captures. */
    public enum Kind {
        /** {@code POST /api/dashboards/db} (create or update). */
        DASHBOARD_SAVED,
        /** {@code DELETE /api/dashboards/uid/:uid}. */
        DASHBOARD_DELETED,
        /** {@code POST /api/folders} or {@code PUT /api/folders/:uid}. */
        FOLDER_SAVED,
        /** {@code DELETE /api/folders/:uid}. */
        FOLDER_DELETED
    }

    public CapturedEdit {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(uid, "uid");
        user = Objects.requireNonNullElse(user, Optional.<String>empty()).filter(u -> !u.isBlank());
        Objects.requireNonNull(at, "at");
    }

    public static CapturedEdit dashboardSaved(String backend, String uid, Optional<String> user, Instant at) {
        return new CapturedEdit(backend, Kind.DASHBOARD_SAVED, uid, user, at);
    }

    public static CapturedEdit dashboardDeleted(String backend, String uid, Optional<String> user, Instant at) {
        return new CapturedEdit(backend, Kind.DASHBOARD_DELETED, uid, user, at);
    }

    boolean isDashboard() {
        return kind == Kind.DASHBOARD_SAVED || kind == Kind.DASHBOARD_DELETED;
    }
}
