package io.grafanaha.sync.plan;

import io.grafanaha.sync.desired.DesiredDashboard;
import java.util.Optional;

/** One change a backend needs; {@link #describe()} gives the line {@code sync --dry-run} prints. */
public sealed interface PlanOperation {

    /** The line printed for this operation. */
    String describe();

    /** Create a folder; planned parents before children. */
    record CreateFolder(String uid, String title, Optional<String> parentUid, String parentPath)
            implements PlanOperation {
        @Override
        public String describe() {
            return "+ create folder \"" + title + "\" (uid " + uid + ")"
                    + (parentPath.isEmpty() ? "" : " in " + parentPath);
        }
    }

    /** Rename a folder and/or move it under another parent ({@code POST /api/folders/:uid/move}). */
    record UpdateFolder(String uid, String title, Optional<String> parentUid, String oldTitle,
            Optional<String> oldParentUid, String parentPath, String oldParentPath) implements PlanOperation {
        public boolean renamed() {
            return !title.equals(oldTitle);
        }

        public boolean moved() {
            return !parentUid.equals(oldParentUid);
        }

        @Override
        public String describe() {
            StringBuilder sb = new StringBuilder();
            if (renamed()) {
                sb.append("~ rename folder \"").append(oldTitle).append("\" to \"").append(title).append("\" (uid ")
                        .append(uid).append(")");
            }
            if (moved()) {
                if (!sb.isEmpty()) {
                    sb.append("\n");
                }
                sb.append("> move folder \"").append(title).append("\" (uid ").append(uid).append(") from ")
                        .append(where(oldParentPath)).append(" to ").append(where(parentPath));
            }
            return sb.toString();
        }
    }

    /** Delete a folder (Grafana deletes what it contains: planned only once it holds nothing to keep). */
    record DeleteFolder(String uid, String title, String parentPath) implements PlanOperation {
        @Override
        public String describe() {
            return "- delete folder \"" + title + "\" (uid " + uid + ")"
                    + (parentPath.isEmpty() ? "" : " in " + parentPath);
        }
    }

    /** Create a dashboard the backend does not hold. */
    record CreateDashboard(DesiredDashboard dashboard, String folderPath) implements PlanOperation {
        @Override
        public String describe() {
            return "+ create dashboard \"" + dashboard.title() + "\" (uid " + dashboard.uid() + ") in " + folderPath;
        }
    }

    /** Overwrite a dashboard whose normalised JSON differs. */
    record UpdateDashboard(DesiredDashboard dashboard, String folderPath, int fromVersion) implements PlanOperation {
        @Override
        public String describe() {
            return "~ update dashboard \"" + dashboard.title() + "\" (uid " + dashboard.uid() + ") in " + folderPath;
        }
    }

    /** Move a dashboard to another folder (one save with the new folderUid); {@code contentChanged} too. */
    record MoveDashboard(DesiredDashboard dashboard, String fromFolderUid, String fromPath, String toPath,
            boolean contentChanged) implements PlanOperation {
        @Override
        public String describe() {
            return "> move dashboard \"" + dashboard.title() + "\" (uid " + dashboard.uid() + ") from " + fromPath
                    + " to " + toPath + (contentChanged ? " (and update)" : "");
        }
    }

    /** Delete a managed dashboard no file describes any more. */
    record DeleteDashboard(String uid, String title, String folderUid, String folderPath) implements PlanOperation {
        @Override
        public String describe() {
            return "- delete dashboard \"" + title + "\" (uid " + uid + ") in " + folderPath;
        }
    }

    private static String where(String path) {
        return path.isEmpty() ? "the top level" : path;
    }
}
