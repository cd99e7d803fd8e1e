package io.grafanaha.sync.writeback;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An edit a backend accepted, to be written to Git.
 *
 * @param backend the backend that answered the save with success ({@code backends[].name})
 * @param kind what was saved or deleted
 * @param uid the dashboard, folder or library panel uid
 * @param user the Grafana login that made it, when known
 * @param at when the backend answered
 * @param body for a dashboard save relayed by the gateway, what it saved ({@link EditBody}): committed from the
 *     journal even when the backend lost it since; empty for deletes, folders and edits found by polling or a pass,
 *     which the write-back reads back from the backend
 * @param panel for a library panel save relayed by the gateway, what it saved ({@link LibraryPanelEdit}): committed
 *     from the journal without asking the backend; empty for every other edit
 */
public record CapturedEdit(String backend, Kind kind, String uid, Optional<String> user, Instant at,
        Optional<EditBody> body, Optional<LibraryPanelEdit> panel) {

    /** The requests the proxy captures. */
    public enum Kind {
        /** {@code POST /api/dashboards/db} (create or update). */
        DASHBOARD_SAVED,
        /** {@code DELETE /api/dashboards/uid/:uid}. */
        DASHBOARD_DELETED,
        /** {@code POST /api/folders} or {@code PUT /api/folders/:uid}. */
        FOLDER_SAVED,
        /** {@code DELETE /api/folders/:uid}. */
        FOLDER_DELETED,
        /**
         * {@code POST /api/library-elements} or {@code PATCH /api/library-elements/:uid} of a library panel, with
         * {@link #panel()}; journal format 2.
         */
        LIBRARY_PANEL_SAVED,
        /** {@code DELETE /api/library-elements/:uid}; journal format 2. */
        LIBRARY_PANEL_DELETED
    }

    public CapturedEdit {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(uid, "uid");
        user = Objects.requireNonNullElse(user, Optional.<String>empty()).filter(u -> !u.isBlank());
        Objects.requireNonNull(at, "at");
        body = Objects.requireNonNullElse(body, Optional.<EditBody>empty());
        panel = Objects.requireNonNullElse(panel, Optional.<LibraryPanelEdit>empty());
    }

    /** A dashboard or folder edit: no library panel. */
    public CapturedEdit(String backend, Kind kind, String uid, Optional<String> user, Instant at,
            Optional<EditBody> body) {
        this(backend, kind, uid, user, at, body, Optional.empty());
    }

    /** An edit without a body: the write-back reads what it saved back from the backend. */
    public CapturedEdit(String backend, Kind kind, String uid, Optional<String> user, Instant at) {
        this(backend, kind, uid, user, at, Optional.empty());
    }

    /** A dashboard save with what it saved, from the request and response the gateway relayed. */
    public static CapturedEdit dashboardSaved(String backend, String uid, Optional<String> user, Instant at,
            EditBody body) {
        return new CapturedEdit(backend, Kind.DASHBOARD_SAVED, uid, user, at, Optional.of(body));
    }

    public static CapturedEdit dashboardSaved(String backend, String uid, Optional<String> user, Instant at) {
        return new CapturedEdit(backend, Kind.DASHBOARD_SAVED, uid, user, at);
    }

    public static CapturedEdit dashboardDeleted(String backend, String uid, Optional<String> user, Instant at) {
        return new CapturedEdit(backend, Kind.DASHBOARD_DELETED, uid, user, at);
    }

    /** A library panel save with what it saved, from the response the gateway relayed. */
    public static CapturedEdit libraryPanelSaved(String backend, Optional<String> user, Instant at,
            LibraryPanelEdit panel) {
        return new CapturedEdit(backend, Kind.LIBRARY_PANEL_SAVED, panel.panel().uid(), user, at, Optional.empty(),
                Optional.of(panel));
    }

    public static CapturedEdit libraryPanelDeleted(String backend, String uid, Optional<String> user, Instant at) {
        return new CapturedEdit(backend, Kind.LIBRARY_PANEL_DELETED, uid, user, at);
    }

    boolean isLibraryPanel() {
        return kind == Kind.LIBRARY_PANEL_SAVED || kind == Kind.LIBRARY_PANEL_DELETED;
    }

    boolean isDashboard() {
        return kind == Kind.DASHBOARD_SAVED || kind == Kind.DASHBOARD_DELETED;
    }
}
