package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/** One {@code dashboard_version} row, written on every save (grafana-api.md §1.3 step 9, §1.6). */
public record DashboardVersion(
        long id,
        long dashboardId,
        String uid,
        int parentVersion,
        int version,
        Instant created,
        String createdBy,
        String message,
        ObjectNode data) {

    @Override
    public ObjectNode data() {
        return data.deepCopy();
    }
}
