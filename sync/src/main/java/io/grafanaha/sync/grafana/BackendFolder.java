package io.grafanaha.sync.grafana;

import java.util.Optional;

/**
 * A folder as one backend holds it ({@code GET /api/folders/:uid}). A top-level folder read as a child of
 * {@link #GENERAL} has parent {@code ""}; read on its own, none.
 */
public record BackendFolder(String uid, String title, Optional<String> parentUid) {
    /** The instance's root, where Grafana keeps dashboards of no folder: uid {@code ""}, never created or deleted. */
    public static final BackendFolder GENERAL = new BackendFolder("", "General", Optional.empty());
}
