package io.grafanaha.sync.library;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A library panel as one backend holds it ({@code GET /api/library-elements}). */
public record BackendLibraryPanel(String uid, String name, String folderUid, ObjectNode model, int version) {

    /** Whether it holds what Git says: same name, folder and model (key order ignored). */
    public boolean matches(DesiredLibraryPanel desired) {
        return name.equals(desired.name()) && folderUid.equals(desired.folderUid()) && model.equals(desired.model());
    }
}
