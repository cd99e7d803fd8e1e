package io.grafanaha.gateway.capture;

import java.util.Optional;
import java.util.OptionalLong;

/** A Grafana write the edit capture recognises (grafana-api.md §1.3, §1.5, §1.8), classified by {@link GrafanaWrites}. */
public sealed interface GrafanaWrite {
    /** The kinds, each with the label used in {@code gateway_edits_observed_total{kind}}. */
    enum Kind {
        DASHBOARD_SAVE("dashboard-save"),
        DASHBOARD_DELETE("dashboard-delete"),
        FOLDER_CREATE("folder-create"),
        FOLDER_UPDATE("folder-update"),
        FOLDER_DELETE("folder-delete"),
        FOLDER_MOVE("folder-move"),
        ALERTING_WRITE("alerting-write");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    Kind kind();

    /**
     * {@code POST /api/dashboards/db}.
     *
     * @param uid       {@code dashboard.uid}; empty for a new dashboard whose uid Grafana will choose
     * @param version   {@code dashboard.version} when it is a number (Grafana treats a missing one as 0)
     * @param overwrite the {@code overwrite} flag: save even over a newer version
     * @param folderUid {@code folderUid}; empty means the root (General) folder
     */
    record DashboardSave(Optional<String> uid, OptionalLong version, boolean overwrite, Optional<String> folderUid)
            implements GrafanaWrite {
        @Override
        public Kind kind() {
            return Kind.DASHBOARD_SAVE;
        }
    }

    /** {@code DELETE /api/dashboards/uid/:uid}. */
    record DashboardDelete(String uid) implements GrafanaWrite {
        @Override
        public Kind kind() {
            return Kind.DASHBOARD_DELETE;
        }
    }

    /** {@code POST /api/folders}; {@code uid} is empty when Grafana will choose it. */
    record FolderCreate(Optional<String> uid, Optional<String> parentUid) implements GrafanaWrite {
        @Override
        public Kind kind() {
            return Kind.FOLDER_CREATE;
        }
    }

    /** {@code PUT /api/folders/:uid}. */
    record FolderUpdate(String uid, OptionalLong version, boolean overwrite) implements GrafanaWrite {
        @Override
        public Kind kind() {
            return Kind.FOLDER_UPDATE;
        }
    }

    /** {@code DELETE /api/folders/:uid}. */
    record FolderDelete(String uid) implements GrafanaWrite {
        @Override
        public Kind kind() {
            return Kind.FOLDER_DELETE;
        }
    }

    /** {@code POST /api/folders/:uid/move}; an empty {@code parentUid} moves it to the root. */
    record FolderMove(String uid, String parentUid) implements GrafanaWrite {
        @Override
        public Kind kind() {
            return Kind.FOLDER_MOVE;
        }
    }

    /**
     * {@code POST}, {@code PUT} or {@code DELETE} under {@code /api/v1/provisioning/} (alerting provisioning) or
     * {@code /api/ruler/grafana/} (the ruler API Grafana's alerting UI saves rule groups with): the write-back looks
     * for alerting edits on that backend at once instead of at its next poll round.
     */
    record AlertingWrite() implements GrafanaWrite {
        @Override
        public Kind kind() {
            return Kind.ALERTING_WRITE;
        }
    }
}
