package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;

/**
 * A dashboard as one emulator instance stores it: the JSON has {@code id}, {@code uid} and
 * {@code version} rewritten to the stored values (grafana-api.md §1.3 step 9). {@code folderUid} is
 * {@code ""} at the root.
 */
public record StoredDashboard(
        long id,
        String uid,
        String title,
        String folderUid,
        int version,
        ObjectNode json,
        List<String> tags,
        Instant created,
        Instant updated,
        String createdBy,
        String updatedBy) {

    public StoredDashboard {
        tags = List.copyOf(tags);
    }

    /** A copy, so callers cannot change what the emulator stores. */
    @Override
    public ObjectNode json() {
        return json.deepCopy();
    }

    /** Grafana's slug of the title. */
    public String slug() {
        return Slugify.slugify(title);
    }

    /** Relative URL as Grafana generates it: {@code /d/<uid>/<slug>}. */
    public String url() {
        return "/d/" + uid + "/" + slug();
    }
}
