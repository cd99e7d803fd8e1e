package io.grafanaha.gateway.capture;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * A Grafana write the edit capture recognises (grafana-api.md §1.3, §1.5, §1.8, and §1.10 for Grafana 12's dashboard
 * resource API), classified by {@link GrafanaWrites}.
 */
public sealed interface GrafanaWrite {
    /** The kinds, each with the label used in {@code gateway_edits_observed_total{kind}}. */
    enum Kind {
        DASHBOARD_SAVE("dashboard-save"),
        DASHBOARD_DELETE("dashboard-delete"),
        DASHBOARD_RESOURCE_SAVE("dashboard-resource-save"),
        FOLDER_CREATE("folder-create"),
        FOLDER_UPDATE("folder-update"),
        FOLDER_DELETE("folder-delete"),
        FOLDER_MOVE("folder-move"),
        LIBRARY_PANEL_CREATE("library-panel-create"),
        LIBRARY_PANEL_UPDATE("library-panel-update"),
        LIBRARY_PANEL_DELETE("library-panel-delete"),
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

    /**
     * {@code POST /apis/dashboard.grafana.app/<v>/namespaces/<ns>/dashboards} (create) or {@code PUT .../dashboards/<name>}
     * (update), Grafana 12's save (grafana-api.md §1.10); only the classic-JSON versions ({@code v0*}, {@code v1*}).
     *
     * @param name            {@code metadata.name} (the uid; on a PUT the path's name); empty for a create by
     *                        {@code generateName}
     * @param resourceVersion {@code metadata.resourceVersion}: the version the update is based on (Kubernetes' optimistic
     *                        lock); empty makes an update unconditional
     * @param create          POST rather than PUT
     * @param folderUid       the {@code grafana.app/folder} annotation; empty means the root
     */
    record DashboardResourceSave(Optional<String> name, Optional<String> resourceVersion, boolean create,
                                 Optional<String> folderUid) implements GrafanaWrite {
        @Override
        public Kind kind() {
            return Kind.DASHBOARD_RESOURCE_SAVE;
        }

        /** An update naming the version it is based on: Grafana refuses it with 409 unless that version is current. */
        public boolean conditional() {
            return !create && name.isPresent() && resourceVersion.isPresent();
        }
    }

    /** {@code DELETE /api/dashboards/uid/:uid}, or {@code DELETE /apis/dashboard.grafana.app/.../dashboards/<name>}. */
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
     * {@code POST /api/library-elements}: a library panel (or variable) created; Grafana's answer names it, uid
     * included (it chooses one when the body has none).
     */
    record LibraryPanelCreate() implements GrafanaWrite {
        @Override
        public Kind kind() {
            return Kind.LIBRARY_PANEL_CREATE;
        }
    }

    /** {@code PATCH /api/library-elements/:uid}, made over {@code version} (Grafana answers 412 when it is not current). */
    record LibraryPanelUpdate(String uid, OptionalLong version) implements GrafanaWrite {
        @Override
        public Kind kind() {
            return Kind.LIBRARY_PANEL_UPDATE;
        }
    }

    /** {@code DELETE /api/library-elements/:uid}. */
    record LibraryPanelDelete(String uid) implements GrafanaWrite {
        @Override
        public Kind kind() {
            return Kind.LIBRARY_PANEL_DELETE;
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
