package io.grafanaha.sync.grafana;

import java.util.Optional;

/** A folder as one backend holds it ({@code GET /api/folders/:uid}). */
public record BackendFolder(String uid, String title, Optional<String> parentUid) {}
