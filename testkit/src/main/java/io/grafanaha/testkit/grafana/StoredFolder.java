package io.grafanaha.testkit.grafana;

import java.time.Instant;

/** A folder as one emulator instance stores it; {@code parentUid} is {@code ""} at the root. */
public record StoredFolder(
        long id,
        String uid,
        String title,
        String parentUid,
        int version,
        Instant created,
        Instant updated,
        String createdBy,
        String updatedBy) {

    public String url() {
        return "/dashboards/f/" + uid + "/" + Slugify.slugify(title);
    }
}
