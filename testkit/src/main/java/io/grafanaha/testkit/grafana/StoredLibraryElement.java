package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * A library element as one emulator instance stores it ({@code library_element} table): {@code kind} 1 is a panel;
 * {@code folderUid} is {@code ""} for General.
 */
public record StoredLibraryElement(
        long id,
        String uid,
        String name,
        int kind,
        String folderUid,
        ObjectNode model,
        int version,
        Instant created,
        Instant updated,
        String createdBy,
        String updatedBy) {

    /** A copy, so callers cannot change what the emulator stores. */
    @Override
    public ObjectNode model() {
        return model.deepCopy();
    }

    /** Grafana derives {@code type} from the model's {@code type}. */
    public String type() {
        return model.path("type").asText("");
    }

    /** And {@code description} from the model's {@code description}. */
    public String description() {
        return model.path("description").asText("");
    }
}
